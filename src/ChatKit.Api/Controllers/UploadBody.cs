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

    public static async Task<Result<UploadedFile>> OpenAsync(HttpRequest request, bool multipartOnly, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        MediaTypeHeaderValue.TryParse(request.ContentType, out var media);
        var boundary = media is not null && media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(media.Boundary).Value
            : null;
        if (boundary is null)
        {
            return multipartOnly
                ? Errors.Invalid("file", "send the file as multipart/form-data with one field named \"file\"")
                : new UploadedFile(request.Body, null, null);
        }

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

        return Errors.Invalid("file", "the form has no field named \"file\" holding a file");
    }
}
