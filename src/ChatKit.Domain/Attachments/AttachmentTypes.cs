namespace ChatKit.Domain.Attachments;

/// <summary>
/// The types the contract knows and what the model gets of each: images as images, text files as text, anything else
/// (a PDF) by name and size. Whether an upload's bytes look like its declared type is decided here too.
/// </summary>
public static class AttachmentTypes
{
    public static readonly IReadOnlyList<string> Images = ["image/png", "image/jpeg", "image/webp", "image/gif"];

    public static readonly IReadOnlyList<string> Texts = ["text/plain", "text/markdown", "text/csv", "application/json"];

    public const string Pdf = "application/pdf";

    /// <summary>What <c>ATTACHMENT_TYPES</c> allows when it is not set.</summary>
    public static readonly IReadOnlyList<string> Default = [.. Images, .. Texts, Pdf];

    /// <summary>How many leading bytes <see cref="LooksLike"/> needs to decide.</summary>
    public const int SniffLength = 12;

    public static bool IsImage(string mimeType) => Images.Contains(mimeType, StringComparer.Ordinal);

    public static bool IsText(string mimeType) => Texts.Contains(mimeType, StringComparer.Ordinal);

    /// <summary>
    /// Whether a file's first bytes (at least <see cref="SniffLength"/> of them, or the whole file when shorter) match its
    /// declared type: the signature of each image format and of PDF. A text file is checked as it streams (valid UTF-8,
    /// no NUL); other types are taken as declared.
    /// </summary>
    public static bool LooksLike(string mimeType, ReadOnlySpan<byte> head) => mimeType switch
    {
        "image/png" => head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/jpeg" => head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
        "image/gif" => head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8),
        "image/webp" => head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8),
        Pdf => head.StartsWith("%PDF-"u8),
        _ => true,
    };

    /// <summary>
    /// A name safe to store and show: the last path segment, control characters dropped, at most 255 characters; never empty.
    /// </summary>
    public static string CleanName(string? name)
    {
        var last = (name ?? string.Empty).Replace('\\', '/').Split('/')[^1];
        var clean = new string(last.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean.Length > 255)
        {
            clean = clean[..(char.IsHighSurrogate(clean[254]) ? 254 : 255)];
        }

        return clean.Length == 0 ? "file" : clean;
    }
}
