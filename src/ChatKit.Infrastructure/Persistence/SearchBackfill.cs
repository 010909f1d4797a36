using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// Makes search whole after migration 0012 without a lock on the messages table (ADR-026): fills the search columns of
/// the rows written before the trigger existed, a thousand at a time in primary-key order, then builds the GIN index
/// <c>CONCURRENTLY</c> (writes go on meanwhile; a build that failed half-way leaves an invalid index, dropped and built
/// again). One instance does it (a session advisory lock); the others find the index valid and stop. Until the index
/// is there, search still answers, by scanning.
/// </summary>
internal sealed partial class SearchBackfill(
    NpgsqlDataSource dataSource, IHostApplicationLifetime lifetime, ILogger<SearchBackfill> logger) : BackgroundService
{
    private const string IndexName = "ix_messages_search";
    private const int Batch = 1000;
    private const long LockKey = 0x53_65_61_72_63_68; // "Search"
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // After every service has started, so after the start-up migration that creates the columns.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task.ConfigureAwait(false);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await CompleteOnceAsync(stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : ex.GetType().Name);
            }

            await Task.Delay(RetryAfter, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when the index is valid (built here or by another instance); false when another instance holds the work.</summary>
    public async Task<bool> CompleteOnceAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (await IndexIsValidAsync(conn, ct).ConfigureAwait(false) == true)
        {
            return true;
        }

        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT pg_try_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: ct)).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            var filled = await FillAsync(conn, ct).ConfigureAwait(false);
            if (filled > 0)
            {
                LogFilled(logger, filled);
            }

            if (await IndexIsValidAsync(conn, ct).ConfigureAwait(false) == false)
            {
                await conn.ExecuteAsync(new CommandDefinition($"DROP INDEX CONCURRENTLY IF EXISTS {IndexName}", cancellationToken: ct)).ConfigureAwait(false);
            }

            await conn.ExecuteAsync(new CommandDefinition(
                $"CREATE INDEX CONCURRENTLY IF NOT EXISTS {IndexName} ON messages USING gin (user_id, search)",
                commandTimeout: 0, cancellationToken: ct)).ConfigureAwait(false);
            LogIndexed(logger);
            return true;
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey }).ConfigureAwait(false);
        }
    }

    /// <summary>Null when there is no such index yet.</summary>
    private static Task<bool?> IndexIsValidAsync(NpgsqlConnection conn, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool?>(new CommandDefinition(
            $"SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('{IndexName}')", cancellationToken: ct));

    /// <summary>One pass over the table in key order, each batch its own short statement; rows written since have the trigger.</summary>
    private static async Task<long> FillAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        long filled = 0;
        var after = Guid.Empty;
        while (true)
        {
            var batch = await conn.QuerySingleAsync<(Guid? Last, long Filled)>(new CommandDefinition(
                """
                WITH batch AS (SELECT id FROM messages WHERE id > @After ORDER BY id LIMIT @Batch),
                     filled AS (
                         UPDATE messages m SET user_id = s.user_id, search = message_search_vector(m.role, m.content)
                         FROM sessions s
                         WHERE m.id IN (SELECT id FROM batch) AND m.user_id IS NULL AND s.id = m.session_id
                         RETURNING 1)
                SELECT (SELECT id FROM batch ORDER BY id DESC LIMIT 1) AS last, (SELECT count(*) FROM filled) AS filled
                """,
                new { After = after, Batch },
                cancellationToken: ct)).ConfigureAwait(false);
            filled += batch.Filled;
            if (batch.Last is not { } last)
            {
                return filled;
            }

            after = last;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Search backfill filled {Count} messages written before search existed")]
    private static partial void LogFilled(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "The search index is built")]
    private static partial void LogIndexed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The search backfill failed ({Reason}); it tries again in a minute")]
    private static partial void LogFailed(ILogger logger, string reason);
}
