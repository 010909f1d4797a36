using ChatKit.Application.Abstractions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>A user's data as one: erased together, and idle sessions retired in batches.</summary>
internal sealed class AccountStore(NpgsqlDataSource dataSource) : IAccountStore
{
    public async Task<ErasureCounts?> EraseAsync(string userId, string anonymousId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        // The user's session and attachment creates wait for this (the caps take the same locks), so nothing of theirs
        // is created between the counts and the deletes.
        await conn.ExecuteAsync(new CommandDefinition(
            $"SELECT {UserLocks.Sessions}, {UserLocks.Attachments}",
            new { UserId = userId }, tx, cancellationToken: ct)).ConfigureAwait(false);

        // The sessions locked in id order, as every turn write takes them: a start waiting on one finds it gone once this
        // commits. A reply still being written would store its usage and its run log after the erasure, under the user's
        // name: the erasure waits for it (refused, to be sent again) instead.
        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                """
                SELECT coalesce(bool_or(run_claimed_until > clock_timestamp()), false)
                FROM (SELECT run_claimed_until FROM sessions WHERE user_id = @UserId ORDER BY id FOR UPDATE) mine
                """,
                new { UserId = userId }, tx, cancellationToken: ct)).ConfigureAwait(false))
        {
            return null;
        }

        var counts = await conn.QuerySingleAsync<CountsRow>(new CommandDefinition(
            """
            WITH gone_sessions AS (DELETE FROM sessions WHERE user_id = @UserId RETURNING message_count),
                 gone_attachments AS (DELETE FROM attachments WHERE user_id = @UserId RETURNING 1),
                 gone_tasks AS (DELETE FROM tasks WHERE user_id = @UserId RETURNING 1),
                 gone_keys AS (DELETE FROM idempotency_keys WHERE user_id = @UserId RETURNING 1),
                 anonymised AS (UPDATE usage SET user_id = @AnonymousId WHERE user_id = @UserId RETURNING 1)
            SELECT (SELECT count(*) FROM gone_sessions) AS sessions,
                   (SELECT coalesce(sum(message_count), 0) FROM gone_sessions) AS messages,
                   (SELECT count(*) FROM gone_tasks) AS tasks,
                   (SELECT count(*) FROM gone_attachments) AS attachments,
                   (SELECT count(*) FROM gone_keys) AS idempotency_keys,
                   (SELECT count(*) FROM anonymised) AS usage_rows
            """,
            new { UserId = userId, AnonymousId = anonymousId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new ErasureCounts(
            (int)counts.Sessions, (int)counts.Messages, (int)counts.Tasks, (int)counts.Attachments, (int)counts.IdempotencyKeys, (int)counts.UsageRows);
    }

    public async Task<int?> DeleteIdleSessionsAsync(DateTime before, int batch, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT pg_try_advisory_xact_lock(hashtextextended('retention', 0))", transaction: tx, cancellationToken: ct)).ConfigureAwait(false))
        {
            return null;
        }

        // Oldest first, skipping any a request holds at this moment, and never one whose run is going.
        var deleted = await conn.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM sessions WHERE id IN (
                SELECT id FROM sessions WHERE updated_at < @Before AND run_claim_id IS NULL
                ORDER BY updated_at LIMIT @Batch FOR UPDATE SKIP LOCKED)
            """,
            new { Before = before, Batch = batch }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return deleted;
    }

    internal sealed class CountsRow
    {
        public long Sessions { get; init; }

        public long Messages { get; init; }

        public long Tasks { get; init; }

        public long Attachments { get; init; }

        public long IdempotencyKeys { get; init; }

        public long UsageRows { get; init; }
    }
}
