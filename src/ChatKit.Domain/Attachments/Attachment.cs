namespace ChatKit.Domain.Attachments;

/// <summary>How ChatKit shows an attachment: an image (with a preview) or any other file.</summary>
public enum AttachmentKind
{
    File,
    Image,
}

/// <summary>
/// A file a user attached, or is about to: its name, type and size as declared when it was created, whether its bytes
/// have arrived, and once a message took it, that message and its thread. Its bytes live in the attachment store.
/// </summary>
public sealed record Attachment(Guid Id, string UserId, string Name, string MimeType, long Size, DateTime CreatedAt)
{
    /// <summary>The prefix of an attachment's id on the wire (<c>atc_</c> and 32 hex digits), as ChatKit's ids go.</summary>
    public const string IdPrefix = "atc_";

    public bool Uploaded { get; init; }

    public Guid? SessionId { get; init; }

    public Guid? MessageId { get; init; }

    public AttachmentKind Kind => AttachmentTypes.IsImage(MimeType) ? AttachmentKind.Image : AttachmentKind.File;

    public string WireId => WireIdOf(Id);

    public static string WireIdOf(Guid id) => IdPrefix + id.ToString("N");

    /// <summary>The id behind <c>atc_…</c>, or the empty id (which no attachment has) for anything else.</summary>
    public static Guid IdOrEmpty(string wireId) => TryParseWireId(wireId, out var id) ? id : Guid.Empty;

    /// <summary>The id behind <c>atc_…</c>; false for anything else (the caller answers "not found", naming what was sent).</summary>
    public static bool TryParseWireId(string? wireId, out Guid id)
    {
        id = Guid.Empty;
        return wireId is { Length: 36 } && wireId.StartsWith(IdPrefix, StringComparison.Ordinal)
            && Guid.TryParseExact(wireId.AsSpan(IdPrefix.Length), "N", out id);
    }
}
