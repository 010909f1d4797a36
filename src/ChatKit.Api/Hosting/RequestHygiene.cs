using ChatKit.Api.ErrorHandling;
using Microsoft.Net.Http.Headers;

namespace ChatKit.Api.Hosting;

/// <summary>
/// Before routing: bodies over 64 KiB → 413, a body that is not JSON → 415 (whatever the endpoint), and the
/// standard security headers on every response; JSON responses are never cached.
/// Kestrel enforces the same size limit on bodies sent without a Content-Length.
/// </summary>
public sealed class RequestHygiene(RequestDelegate next)
{
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
        if (request.ContentLength > Composition.MaxRequestBodyBytes)
        {
            return ApiErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge);
        }

        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && !IsJson(request.ContentType))
        {
            return ApiErrors.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType);
        }

        return next(context);
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
        && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
