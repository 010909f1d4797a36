using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Attachments;

namespace ChatKit.Application.Attachments;

/// <summary>
/// How a request reaches an attachment: its owner's bearer token, or a signed link for that use. Everything else (an
/// unknown id, another user's attachment, an altered or expired signature) is the same 404, so nothing tells them apart.
/// </summary>
/// <param name="UserId">The token's user, when the request carried one.</param>
/// <param name="Expires">The link's <c>expires</c> (Unix seconds), when the request came through a link.</param>
public sealed record AttachmentCredentials(string? UserId, long? Expires = null, string? Signature = null)
{
    public static AttachmentCredentials Owner(string userId) => new(userId);
}

public static class AttachmentAccess
{
    public static async Task<Result<Attachment>> LoadAsync(
        IAttachmentStore store, AttachmentLinks links, string wireId, AttachmentCredentials credentials, string use, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(credentials);
        if (!Attachment.TryParseWireId(wireId, out var id) || await store.FindAsync(id, ct).ConfigureAwait(false) is not { } attachment)
        {
            return Errors.AttachmentNotFound(wireId);
        }

        var allowed = credentials.Signature is not null
            ? links.Verify(attachment, use, credentials.Expires, credentials.Signature)
            : credentials.UserId is { } user && user == attachment.UserId;
        return allowed ? attachment : Errors.AttachmentNotFound(wireId);
    }
}
