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
                    return new UploadedFile(section.Body, name, type);
                }

                await section.Body.DrainAsync(ct); // another field: skipped, never kept
            }
        }
        catch (Exception malformed) when (malformed is InvalidDataException or ArgumentException)
        {
            // Garbage, an empty or unclosed body, too many part headers, a header line over the reader's limit: the
            // client's fault, answered as such (MultipartReader says which limit in its message; none of it is echoed).
            return Malformed;
        }

        return Errors.Invalid("file", "the form has no field named \"file\" holding a file");
    }
}
