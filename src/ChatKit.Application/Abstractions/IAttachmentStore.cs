using ChatKit.Domain.Attachments;

namespace ChatKit.Application.Abstractions;

/// <summary>How an upload's bytes went into the store.</summary>
public enum UploadOutcome
{
    Stored,

    /// <summary>No pending attachment by that id (never created, uploaded already, deleted or expired meanwhile).</summary>
    NotPending,

    /// <summary>The user's attachments would pass <c>ATTACHMENT_BYTES_PER_USER</c>.</summary>
    OverStorageLimit,
}

/// <summary>How an upload ended and how many bytes it stored.</summary>
public sealed record StoredUpload(UploadOutcome Outcome, long Bytes);

/// <summary>
/// Attachments and their bytes (PostgreSQL by default; an S3-compatible store would implement the same port). Bytes move
/// in chunks, never as a whole file: an upload is stored from a sequence of chunks in one transaction, so a failure or a
/// hang-up part way leaves none of them; a download is written a chunk at a time.
/// </summary>
public interface IAttachmentStore
{
    /// <summary>
    /// Records a pending attachment unless its user's attachments (pending ones included) would pass
    /// <paramref name="bytesPerUser"/> (0 = no cap); a user's creates are serialised so the sum cannot be raced.
    /// </summary>
    Task<bool> TryCreateAsync(Attachment attachment, long bytesPerUser, CancellationToken ct);

    /// <summary>
    /// Stores the bytes of an attachment in one transaction and marks it uploaded. <paramref name="create"/>: the record is
    /// inserted in the same transaction (a one-step upload: nothing exists unless all of it is stored), under the same
    /// cap as <see cref="TryCreateAsync"/>; else it must be pending. An exception from <paramref name="chunks"/> (a refused
    /// byte, a client gone) rolls everything back and is rethrown. Each chunk is written before the next is asked for.
    /// </summary>
    Task<StoredUpload> StoreAsync(
        Attachment attachment, bool create, long bytesPerUser, IAsyncEnumerable<ReadOnlyMemory<byte>> chunks, CancellationToken ct);

    /// <summary>The attachment by id, whoever owns it (the caller checks the owner or a link's signature).</summary>
    Task<Attachment?> FindAsync(Guid id, CancellationToken ct);

    /// <summary>Deletes the user's attachment and its bytes; false when the user has none by that id.</summary>
    Task<bool> DeleteAsync(Guid id, string userId, CancellationToken ct);

    /// <summary>Writes the attachment's bytes to <paramref name="destination"/> a chunk at a time (a connection is held per chunk only).</summary>
    Task CopyToAsync(Guid id, Stream destination, CancellationToken ct);

    /// <summary>The attachment's first <paramref name="maxBytes"/> bytes (all of them when it is smaller), for the model.</summary>
    Task<byte[]> ReadAsync(Guid id, long maxBytes, CancellationToken ct);

    /// <summary>
    /// Deletes attachments no message took that were created before <paramref name="createdBefore"/>, with their bytes, at
    /// most <paramref name="batch"/> of them. Only one instance sweeps at a time: null when another holds the sweep.
    /// </summary>
    Task<int?> DeleteUnattachedAsync(DateTime createdBefore, int batch, CancellationToken ct);
}
