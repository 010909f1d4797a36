using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ChatKit.Application.Options;
using ChatKit.Domain.Attachments;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Attachments;

/// <summary>
/// The links a browser follows without a token (ChatKit's upload and an <c>&lt;img src&gt;</c>): each is signed with
/// HMAC-SHA256 over what it does, the attachment, its owner and when it expires, so it works for that one attachment,
/// that one use, for <c>ATTACHMENT_URL_MINUTES</c>. Checking one is constant-time.
/// </summary>
public sealed class AttachmentLinks
{
    /// <summary>Where the attachments API lives, below the public base URL.</summary>
    public const string Path = "api/v1/chatkit/attachments";

    public const string UploadUse = "upload";
    public const string ContentUse = "content";

    private readonly byte[] _key;
    private readonly string _base;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _clock;

    public AttachmentLinks(IOptions<AttachmentOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _key = Encoding.UTF8.GetBytes(o.UrlKey ?? string.Empty);
        _base = (o.PublicBaseUrl ?? string.Empty).TrimEnd('/');
        _lifetime = TimeSpan.FromMinutes(o.UrlMinutes);
        _clock = clock;
    }

    /// <summary>The attachment as ChatKit shows it, with fresh links: the upload's while it is pending, an image's preview.</summary>
    public AttachmentDto ToDto(Attachment attachment)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        return new AttachmentDto(attachment.WireId, attachment.Name, attachment.MimeType, attachment.Kind == AttachmentKind.Image ? "image" : "file")
        {
            UploadDescriptor = attachment.Uploaded
                ? null
                : new UploadDescriptorDto(Link(attachment, UploadUse), "PUT", new Dictionary<string, string>()),
            ThreadId = attachment.SessionId,
            PreviewUrl = attachment.Kind == AttachmentKind.Image ? Link(attachment, ContentUse) : null,
        };
    }

    public string ContentLink(Attachment attachment) => Link(attachment, ContentUse);

    /// <summary>Whether a link's <c>expires</c> and <c>signature</c> are this attachment's for this use, and not expired.</summary>
    public bool Verify(Attachment attachment, string use, long? expires, string? signature)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        if (expires is not { } at || signature is null || at < _clock.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        Span<byte> sent = stackalloc byte[64];
        return signature.Length <= 86 && Base64Url.IsValid(signature) && Base64Url.TryDecodeFromChars(signature, sent, out var length)
            && CryptographicOperations.FixedTimeEquals(sent[..length], Sign(attachment, use, at));
    }

    private string Link(Attachment a, string use)
    {
        var expires = (_clock.GetUtcNow() + _lifetime).ToUnixTimeSeconds();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{_base}/{Path}/{a.WireId}/{use}?expires={expires}&signature={Base64Url.EncodeToString(Sign(a, use, expires))}");
    }

    private byte[] Sign(Attachment a, string use, long expires) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{use}\n{a.WireId}\n{a.UserId}\n{expires}")));
}
