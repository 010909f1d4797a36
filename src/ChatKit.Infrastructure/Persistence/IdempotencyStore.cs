using ChatKit.Application.Abstractions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>Idempotency keys in PostgreSQL: the primary key (user, key) decides which of two concurrent requests is first.</summary>
internal sealed class IdempotencyStore(NpgsqlDataSource dataSource) : IIdempotencyStore
{
    public async Task<IdempotencyClaim> ClaimAsync(string userId, string key, byte[] requestHash, TimeSpan ttl, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);

        // An expired key is free again; then the insert decides: the one that inserts is first.
        await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM idempotency_keys WHERE user_id = @UserId AND key = @Key AND created_at < clock_timestamp() - @Ttl",
            new { UserId = userId, Key = key, Ttl = ttl }, cancellationToken: ct)).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<(bool Inserted, byte[] RequestHash, Guid? RunId, int? Status, string? Body)>(new CommandDefinition(
            """
            WITH inserted AS (
                INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (@UserId, @Key, @Hash, clock_timestamp())
                ON CONFLICT (user_id, key) DO NOTHING
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted) AS inserted, k.request_hash, k.run_id, k.status, k.body
            FROM (SELECT 1) one LEFT JOIN idempotency_keys k ON k.user_id = @UserId AND k.key = @Key
            """,
            new { UserId = userId, Key = key, Hash = requestHash }, cancellationToken: ct)).ConfigureAwait(false);
        return row switch
        {
            { Inserted: true } => new IdempotencyClaim.First(),

            // Another request inserted the key after this statement's snapshot was taken: it is first, and still at it.
            { RequestHash: null } => new IdempotencyClaim.Pending(),
            _ when !row.RequestHash.AsSpan().SequenceEqual(requestHash) => new IdempotencyClaim.Reused(),
            { RunId: { } run } => new IdempotencyClaim.Run(run),
            { Status: { } status, Body: { } body } => new IdempotencyClaim.Answered(status, body),
            _ => new IdempotencyClaim.Pending(),
        };
    }

    public Task RecordRunAsync(string userId, string key, Guid runId, CancellationToken ct) =>
        ExecuteAsync("UPDATE idempotency_keys SET run_id = @RunId WHERE user_id = @UserId AND key = @Key", new { UserId = userId, Key = key, RunId = runId }, ct);

    public Task RecordAnswerAsync(string userId, string key, int status, string body, CancellationToken ct) =>
        ExecuteAsync(
            "UPDATE idempotency_keys SET status = @Status, body = @Body WHERE user_id = @UserId AND key = @Key",
            new { UserId = userId, Key = key, Status = status, Body = body }, ct);

    public Task ReleaseAsync(string userId, string key, CancellationToken ct) =>
        ExecuteAsync("DELETE FROM idempotency_keys WHERE user_id = @UserId AND key = @Key AND run_id IS NULL AND status IS NULL", new { UserId = userId, Key = key }, ct);

    private async Task ExecuteAsync(string sql, object args, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: ct)).ConfigureAwait(false);
    }
}
