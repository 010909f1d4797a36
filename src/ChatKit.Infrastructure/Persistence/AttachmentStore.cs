using System.Buffers;
using System.Data;
using ChatKit.Application.Abstractions;
using ChatKit.Domain.Attachments;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// Attachments in PostgreSQL (ADR-022): the record in <c>attachments</c>, the bytes in <c>attachment_chunks</c>, one
/// <c>bytea</c> row per chunk. An upload is one transaction that streams its chunks in with binary <c>COPY</c>; a
/// download reads one chunk per query, so a slow client never holds a pooled connection for longer than one chunk.
/// </summary>
internal sealed class AttachmentStore(NpgsqlDataSource dataSource) : IAttachmentStore
{
    // Serialises the sweep across instances: whoever holds it sweeps, the others skip that round.
    private const long SweepLockKey = 0x4348_4B41_5454; // "CHKATT"

    public const string Columns = "id, user_id, name, mime_type, size, uploaded, created_at, session_id, message_id";

    public async Task<bool> TryCreateAsync(Attachment attachment, long bytesPerUser, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await LockUserAsync(conn, tx, attachment.UserId, ct).ConfigureAwait(false);
        var inserted = await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO attachments (id, user_id, name, mime_type, size, uploaded, created_at)
            SELECT @Id, @UserId, @Name, @MimeType, @Size, false, @CreatedAt
            WHERE @Max = 0 OR (SELECT COALESCE(sum(size), 0) FROM attachments WHERE user_id = @UserId) + @Size <= @Max
            """,
            new { attachment.Id, attachment.UserId, attachment.Name, attachment.MimeType, attachment.Size, attachment.CreatedAt, Max = bytesPerUser },
            tx,
            cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return inserted == 1;
    }

    public async Task<StoredUpload> StoreAsync(
        Attachment attachment, bool create, long bytesPerUser, IAsyncEnumerable<ReadOnlyMemory<byte>> chunks, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var args = new { attachment.Id, attachment.UserId, attachment.Name, attachment.MimeType, attachment.CreatedAt };
        var pending = create
            ? await conn.ExecuteAsync(new CommandDefinition(
                "INSERT INTO attachments (id, user_id, name, mime_type, size, uploaded, created_at) VALUES (@Id, @UserId, @Name, @MimeType, 0, false, @CreatedAt)",
                args, tx, cancellationToken: ct)).ConfigureAwait(false) == 1
            : await conn.ExecuteScalarAsync<bool?>(new CommandDefinition(
                "SELECT NOT uploaded FROM attachments WHERE id = @Id FOR UPDATE", args, tx, cancellationToken: ct)).ConfigureAwait(false) == true;
        if (!pending)
        {
            return new StoredUpload(UploadOutcome.NotPending, 0);
        }

        long total = 0;
        await using (var copy = await conn.BeginBinaryImportAsync(
            "COPY attachment_chunks (attachment_id, seq, data) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            // Disposed without Complete (a refused byte, a client gone), the COPY is cancelled and the transaction rolls back.
            var seq = 0;
            await foreach (var chunk in chunks.WithCancellation(ct).ConfigureAwait(false))
            {
                await copy.StartRowAsync(ct).ConfigureAwait(false);
                await copy.WriteAsync(attachment.Id, NpgsqlDbType.Uuid, ct).ConfigureAwait(false);
                await copy.WriteAsync(seq++, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
                await copy.WriteAsync(chunk, NpgsqlDbType.Bytea, ct).ConfigureAwait(false);
                total += chunk.Length;
            }

            await copy.CompleteAsync(ct).ConfigureAwait(false);
        }

        if (create)
        {
            // A one-step upload learns its size at the end: the user's cap is checked then, under the user's lock.
            await LockUserAsync(conn, tx, attachment.UserId, ct).ConfigureAwait(false);
            var used = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COALESCE(sum(size), 0) FROM attachments WHERE user_id = @UserId AND id <> @Id", args, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (bytesPerUser > 0 && used + total > bytesPerUser)
            {
                return new StoredUpload(UploadOutcome.OverStorageLimit, total); // rolled back when the transaction is disposed
            }
        }

        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE attachments SET uploaded = true, size = @Total WHERE id = @Id", new { attachment.Id, Total = total }, tx, cancellationToken: ct))
            .ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new StoredUpload(UploadOutcome.Stored, total);
    }

    public async Task<Attachment?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<AttachmentRow>(new CommandDefinition(
            $"SELECT {Columns} FROM attachments WHERE id = @Id", new { Id = id }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToAttachment();
    }

    public async Task<bool> DeleteAsync(Guid id, string userId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM attachments WHERE id = @Id AND user_id = @UserId", new { Id = id, UserId = userId }, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public async Task CopyToAsync(Guid id, Stream destination, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var buffer = ArrayPool<byte>.Shared.Rent(Application.Attachments.UploadChunks.ChunkBytes);
        try
        {
            for (var seq = 0; ; seq++)
            {
                // The chunk is read and the connection returned before the client is written to.
                var length = await ReadChunkAsync(id, seq, buffer, ct).ConfigureAwait(false);
                if (length < 0)
                {
                    return;
                }

                await destination.WriteAsync(buffer.AsMemory(0, length), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<byte[]> ReadAsync(Guid id, long maxBytes, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var chunks = (int)Math.Min(int.MaxValue, (maxBytes + Application.Attachments.UploadChunks.ChunkBytes - 1) / Application.Attachments.UploadChunks.ChunkBytes);
        var parts = await conn.QueryAsync<byte[]>(new CommandDefinition(
            "SELECT data FROM attachment_chunks WHERE attachment_id = @Id AND seq < @Chunks ORDER BY seq", new { Id = id, Chunks = chunks }, cancellationToken: ct))
            .ConfigureAwait(false);
        var list = parts.ToList();
        var all = new byte[(int)Math.Min(maxBytes, list.Sum(p => (long)p.Length))];
        var at = 0;
        foreach (var part in list.TakeWhile(_ => at < all.Length))
        {
            var take = Math.Min(part.Length, all.Length - at);
            part.AsSpan(0, take).CopyTo(all.AsSpan(at));
            at += take;
        }

        return all;
    }

    public async Task<int?> DeleteUnattachedAsync(DateTime createdBefore, int batch, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT pg_try_advisory_xact_lock(@Key)", new { Key = SweepLockKey }, tx, cancellationToken: ct)).ConfigureAwait(false))
        {
            return null;
        }

        // The conditions on the row are checked again once its lock is had: one a message just took is not deleted.
        var deleted = await conn.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM attachments a
            WHERE a.id IN (SELECT id FROM attachments WHERE message_id IS NULL AND created_at < @Before ORDER BY created_at LIMIT @Batch)
              AND a.message_id IS NULL AND a.created_at < @Before
            """,
            new { Before = createdBefore, Batch = batch }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>One chunk into <paramref name="buffer"/>: its length, or -1 when there is no such chunk.</summary>
    private async Task<int> ReadChunkAsync(Guid id, int seq, byte[] buffer, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2", conn)
        {
            Parameters = { new() { Value = id }, new() { Value = seq } },
        };
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            return -1;
        }

        await using var data = await reader.GetStreamAsync(0, ct).ConfigureAwait(false);
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await data.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        return filled;
    }

    private static Task LockUserAsync(NpgsqlConnection conn, IDbTransaction tx, string userId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            $"SELECT {UserLocks.Attachments}", new { UserId = userId }, tx, cancellationToken: ct));

    internal sealed class AttachmentRow
    {
        public Guid Id { get; init; }

        public string UserId { get; init; } = string.Empty;

        public string Name { get; init; } = string.Empty;

        public string MimeType { get; init; } = string.Empty;

        public long Size { get; init; }

        public bool Uploaded { get; init; }

        public DateTime CreatedAt { get; init; }

        public Guid? SessionId { get; init; }

        public Guid? MessageId { get; init; }

        public Attachment ToAttachment() => new(Id, UserId, Name, MimeType, Size, Rows.Utc(CreatedAt))
        {
            Uploaded = Uploaded,
            SessionId = SessionId,
            MessageId = MessageId,
        };
    }
}
