using System.Text.Json.Serialization;

namespace ChatKit.Application.Attachments;

/// <summary>
/// ChatKit's <c>Attachment</c> (<c>FileAttachment | ImageAttachment</c>), for the native protocol and the REST API alike:
/// <c>upload_descriptor</c> while the bytes are awaited, <c>thread_id</c> once a message took it, <c>preview_url</c> for an
/// image. Its links are signed and expire; a fresh set is made whenever it is returned.
/// </summary>
public sealed record AttachmentDto(string Id, string Name, string MimeType, string Type)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public UploadDescriptorDto? UploadDescriptor { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? ThreadId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PreviewUrl { get; init; }
}

/// <summary>Where and how a client sends an attachment's bytes (the URL authorises itself; no bearer token).</summary>
public sealed record UploadDescriptorDto(string Url, string Method, IReadOnlyDictionary<string, string> Headers);
