using ChatKit.Application.Common;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ChatKit.Api.Controllers;

/// <summary>
/// The file of an upload request as a stream read straight from the connection (nothing buffered, nothing spooled to
/// disk): a <c>multipart/form-data</c> body's <c>file</c> field with its file name and type, or a raw body.
/// </summary>
public static class UploadBody
{
    public sealed record UploadedFile(Stream Body, string? Name, string? ContentType);

    /// <summary>A multipart body that cannot be read as one.</summary>
    public static readonly Error Malformed = Errors.Invalid("file", "the multipart/form-data body is malformed");

    public static async Task<Result<UploadedFile>> OpenAsync(HttpRequest request, bool multipartOnly, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        MediaTypeHeaderValue.TryParse(request.ContentType, out var media);
        var multipart = media is not null && media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        if (!multipart)
        {
            return multipartOnly
                ? Errors.Invalid("file", "send the file as multipart/form-data with one field named \"file\"")
                : new UploadedFile(request.Body, null, null);
        }

        var boundary = HeaderUtilities.RemoveQuotes(media!.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return Malformed;
        }

        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    && disposition.IsFileDisposition()
                    && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal))
                {
                    var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    var type = MediaTypeHeaderValue.TryParse(section.ContentType, out var part) ? part.MediaType.Value : null;
                    return new UploadedFile(new MultipartPartStream(section.Body, request.HttpContext.RequestAborted), name, type);
                }

                await section.Body.DrainAsync(ct); // another field: skipped, never kept
            }
        }
        catch (Exception malformed) when (malformed is InvalidDataException or ArgumentException
                                          || (malformed is IOException and not BadHttpRequestException && !ct.IsCancellationRequested))
        {
            // Garbage, an empty or unclosed body, too many part headers, a header line over the reader's limit: the
            // client's fault, answered as such (MultipartReader says which limit in its message; none of it is echoed).
            return Malformed;
        }

        return Errors.Invalid("file", "the form has no field named \"file\" holding a file");
    }
}

/// <summary>
/// A multipart file part that ends without its closing boundary makes MultipartReader throw a plain <see cref="IOException"/>,
/// as a broken connection would. Read through here, the first is the client's malformed body (an
/// <see cref="InvalidDataException"/>, answered 400); a hang-up, or Kestrel's own refusals (too large, too slow), pass as
/// they are.
/// </summary>
internal sealed class MultipartPartStream(Stream part, CancellationToken aborted) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await part.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !aborted.IsCancellationRequested)
        {
            throw new InvalidDataException("the multipart/form-data body is malformed", ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
