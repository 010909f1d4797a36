using ChatKit.Api.Controllers;
using ChatKit.Api.ErrorHandling;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatKit.Api.Hosting;

/// <summary>
/// Before the endpoint: bodies over 64 KiB → 413, a body that is not JSON → 415, and the standard security headers on
/// every response; JSON responses are never cached. An endpoint that takes a file (<see cref="FileUploadAttribute"/>)
/// takes any type up to <c>ATTACHMENT_MAX_BYTES</c> and a multipart envelope instead; an import
/// (<see cref="NdjsonBodyAttribute"/>) NDJSON up to <c>IMPORT_MAX_BYTES</c>. Kestrel enforces the same size limit on
/// bodies sent without a Content-Length.
/// </summary>
public sealed class RequestHygiene(RequestDelegate next, IOptions<AttachmentOptions> attachments, IOptions<ImportOptions> imports)
{
    /// <summary>Room for a multipart envelope around the largest file (boundaries, part headers, a file name).</summary>
    private const long MultipartEnvelopeBytes = 16 * 1024;

    public Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.OnStarting(static state =>
        {
            var r = (HttpResponse)state;
            if (r.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
            {
                r.Headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        }, response);

        var request = context.Request;
        var metadata = context.GetEndpoint()?.Metadata;
        var upload = metadata?.GetMetadata<FileUploadAttribute>() is not null;
        var ndjson = metadata?.GetMetadata<NdjsonBodyAttribute>() is not null;
        var limit = upload ? attachments.Value.MaxBytes + MultipartEnvelopeBytes : ndjson ? imports.Value.MaxBytes : Composition.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
        {
            return upload
                ? ApiErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, message: Errors.FileTooLarge(attachments.Value.MaxBytes).Message)
                : ApiErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge);
        }

        if ((upload || ndjson) && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && !upload && !(ndjson ? IsNdjson(request.ContentType) : IsJson(request.ContentType)))
        {
            return ApiErrors.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType);
        }

        return next(context);
    }

    private static bool IsNdjson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
        && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
        && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
