using System.ComponentModel.DataAnnotations;
using ChatKit.Domain.Attachments;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary>Attachments: sizes, types, what the model reads of a text file, how long links and pending uploads last.</summary>
public sealed class AttachmentOptions
{
    public const int MiB = 1024 * 1024;

    /// <summary><c>ATTACHMENT_MAX_BYTES</c>: the largest file (413 above it).</summary>
    [ConfigurationKeyName("ATTACHMENT_MAX_BYTES")]
    [Range(1, 1024 * MiB, ErrorMessage = "ATTACHMENT_MAX_BYTES must be between {1} and {2}.")]
    public long MaxBytes { get; set; } = 10 * MiB;

    /// <summary><c>ATTACHMENTS_PER_MESSAGE</c>.</summary>
    [ConfigurationKeyName("ATTACHMENTS_PER_MESSAGE")]
    [Range(0, 32, ErrorMessage = "ATTACHMENTS_PER_MESSAGE must be between {1} and {2}.")]
    public int PerMessage { get; set; } = 4;

    /// <summary><c>ATTACHMENT_BYTES_PER_USER</c>: what one user may keep, pending uploads included (429 STORAGE_LIMIT above it; 0 = no cap).</summary>
    [ConfigurationKeyName("ATTACHMENT_BYTES_PER_USER")]
    [Range(0, long.MaxValue, ErrorMessage = "ATTACHMENT_BYTES_PER_USER must be 0 or more.")]
    public long BytesPerUser { get; set; } = 200L * MiB;

    /// <summary><c>ATTACHMENT_TYPES</c>: the MIME types accepted, comma-separated (default: the images, text types and PDF).</summary>
    [ConfigurationKeyName("ATTACHMENT_TYPES")]
    [MaxLength(4000, ErrorMessage = "ATTACHMENT_TYPES must be at most {1} characters.")]
    public string? Types { get; set; }

    /// <summary><c>ATTACHMENT_TEXT_MAX_CHARS</c>: what the model reads of a text file, the rest cut with a marker.</summary>
    [ConfigurationKeyName("ATTACHMENT_TEXT_MAX_CHARS")]
    [Range(1, 1_000_000, ErrorMessage = "ATTACHMENT_TEXT_MAX_CHARS must be between {1} and {2}.")]
    public int TextMaxChars { get; set; } = 20_000;

    /// <summary><c>ATTACHMENT_PENDING_TTL_MINUTES</c>: an attachment no message took is deleted after this long.</summary>
    [ConfigurationKeyName("ATTACHMENT_PENDING_TTL_MINUTES")]
    [Range(1, 7 * 24 * 60, ErrorMessage = "ATTACHMENT_PENDING_TTL_MINUTES must be between {1} and {2}.")]
    public int PendingTtlMinutes { get; set; } = 60;

    /// <summary><c>ATTACHMENT_URL_MINUTES</c>: how long a signed upload or content link works.</summary>
    [ConfigurationKeyName("ATTACHMENT_URL_MINUTES")]
    [Range(1, 24 * 60, ErrorMessage = "ATTACHMENT_URL_MINUTES must be between {1} and {2}.")]
    public int UrlMinutes { get; set; } = 15;

    /// <summary>
    /// <c>ATTACHMENT_URL_KEY</c>: the key that signs links (at least 32 bytes; every instance the same). When not set, the
    /// host derives one from <c>JWT_SECRET</c>.
    /// </summary>
    [ConfigurationKeyName("ATTACHMENT_URL_KEY")]
    public string? UrlKey { get; set; }

    /// <summary>
    /// <c>PUBLIC_BASE_URL</c>: the service's address as browsers reach it, for the absolute links ChatKit needs (default:
    /// <c>http://localhost:PORT</c>).
    /// </summary>
    [ConfigurationKeyName("PUBLIC_BASE_URL")]
    public string? PublicBaseUrl { get; set; }

    public IReadOnlyList<string> TypeList =>
        string.IsNullOrWhiteSpace(Types)
            ? AttachmentTypes.Default
            : Types.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
}
