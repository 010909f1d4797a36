using System.Threading.Channels;
using ChatKit.Application.Abstractions;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// Stores what turns produce through one writer loop: writes wait in a bounded queue (a full queue makes the
/// caller wait, it never drops), are committed in batches on one connection, and are retried with back-off
/// until stored when the database is unreachable or out of connections. So a reply cut short by thousands of
/// clients hanging up at once does not depend on winning a pool slot in time. A write the database refuses
/// for its content (never storable) fails alone, without holding up the others. At shutdown, what could not
/// be stored in time is counted in one log line.
/// </summary>
internal sealed partial class TurnWriteQueue(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<TurnWriteQueue> logger)
    : BackgroundService, ITurnWriter
{
    public const int Capacity = 100_000;
    public const int MaxBatch = 128;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public Task WriteAsync(TurnWrite write)
    {
        var pending = new Pending(write);
        if (!_queue.Writer.TryWrite(pending))
        {
            return EnqueueSlowlyAsync(pending);
        }

        return pending.Stored.Task;
    }

    private async Task EnqueueSlowlyAsync(Pending pending)
    {
        await _queue.Writer.WriteAsync(pending).ConfigureAwait(false);
        await pending.Stored.Task.ConfigureAwait(false);
    }

    // The batch being stored; what it still holds when the loop is stopped is part of the shutdown's last pass.
    private readonly List<Pending> _batch = new(MaxBatch);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = _batch;
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (batch.Count < MaxBatch && reader.TryRead(out var next))
                {
                    batch.Add(next);
                }

                await StoreUntilDoneAsync(batch, stoppingToken).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: StopAsync drains what it can in the time the host allows.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _queue.Writer.TryComplete();

        // One last pass with the host's shutdown budget; what is still queued after it is lost and said so.
        var left = _batch.Where(p => !p.Stored.Task.IsCompleted).ToList();
        while (_queue.Reader.TryRead(out var next))
        {
            left.Add(next);
        }

        for (var i = 0; i < left.Count && !cancellationToken.IsCancellationRequested; i += MaxBatch)
        {
            var batch = left.Skip(i).Take(MaxBatch).ToList();
            try
            {
                await StoreUntilDoneAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        var lost = left.Count(p => !p.Stored.Task.IsCompleted);
        if (lost > 0)
        {
            LogLostAtShutdown(logger, lost, left.Where(p => !p.Stored.Task.IsCompleted).Sum(p => p.Write.Messages.Count));
            foreach (var p in left)
            {
                p.Stored.TrySetException(new InvalidOperationException("The service stopped before this write could be stored."));
            }
        }
    }

    private async Task StoreUntilDoneAsync(List<Pending> batch, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                await StoreAsync(batch, ct).ConfigureAwait(false);
                foreach (var p in batch)
                {
                    p.Stored.TrySetResult();
                }

                return;
            }
            catch (PostgresException ex) when (!IsTransient(ex))
            {
                // One write the database refuses must not hold up the rest: store them one by one.
                if (batch.Count == 1)
                {
                    // The messages matter more than the ledger: a usage the database refuses never costs the reply.
                    if (batch[0].Write.Usage.Count > 0)
                    {
                        LogUsageRefused(logger, ex.SqlState, batch[0].Write.SessionId);
                        var withoutUsage = new Pending(batch[0].Write with { Usage = [] });
                        await StoreUntilDoneAsync([withoutUsage], ct).ConfigureAwait(false);
                        batch[0].Complete(withoutUsage.Stored.Task);
                        return;
                    }

                    LogRefused(logger, ex, ex.SqlState, batch[0].Write.SessionId);
                    batch[0].Stored.TrySetException(ex);
                    return;
                }

                foreach (var p in batch)
                {
                    await StoreUntilDoneAsync([p], ct).ConfigureAwait(false);
                }

                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or IOException
                                       && !ct.IsCancellationRequested)
            {
                LogRetrying(logger, batch.Count, delay.TotalMilliseconds, ex.GetType().Name);
                await Task.Delay(delay, clock, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, delay.Ticks * 2));
            }
        }
    }

    private async Task StoreAsync(List<Pending> batch, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        // Sessions in id order (a session's own writes keep theirs: the sort is stable), as the checkpoint statement takes
        // them: two batches, or a batch and a checkpoint tick, never wait on each other in a ring (ADR-028).
        foreach (var write in batch.Select(p => p.Write).OrderBy(w => w.SessionId))
        {
            // The ledger keeps what a model call cost even when its session was deleted meanwhile.
            foreach (var usage in write.Usage)
            {
                await conn.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO usage (id, user_id, session_id, run_id, model, prompt_tokens, completion_tokens, total_tokens, cost_usd, estimated, created_at)
                    VALUES (@Id, @UserId, @SessionId, @RunId, @Model, @Prompt, @Completion, @Total, @Cost, @Estimated, @CreatedAt)
                    ON CONFLICT (id) DO NOTHING
                    """,
                    new
                    {
                        usage.Id,
                        usage.UserId,
                        usage.SessionId,
                        usage.RunId,
                        usage.Model,
                        Prompt = usage.Tokens.PromptTokens,
                        Completion = usage.Tokens.CompletionTokens,
                        Total = usage.Tokens.TotalTokens,
                        Cost = usage.Tokens.CostUsd,
                        usage.Estimated,
                        usage.CreatedAt,
                    },
                    tx,
                    cancellationToken: ct)).ConfigureAwait(false);
            }

            // Locks the session row, or finds it deleted meanwhile: then there is nothing to store.
            var exists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = @Id FOR NO KEY UPDATE)",
                new { Id = write.SessionId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (!exists)
            {
                continue;
            }

            foreach (var message in write.Messages)
            {
                // Written again after a failed attempt: the first insert rolled back with its transaction.
                await Rows.InsertMessageAsync(conn, tx, message, ct).ConfigureAwait(false);
            }

            await WidgetStore.InsertAsync(conn, tx, write.Widgets, ct).ConfigureAwait(false);

            // The last write releases the claim; the run's checkpoint (no shared log) goes with it, in the same statement.
            await conn.ExecuteAsync(new CommandDefinition(
                """
                WITH checkpoint AS (DELETE FROM run_checkpoints WHERE run_id = @ClaimId)
                UPDATE sessions
                SET message_count = message_count + @Counted,
                    updated_at = GREATEST(updated_at, COALESCE(@Latest, updated_at)),
                    run_claimed_until = CASE WHEN run_claim_id = @ClaimId THEN NULL ELSE run_claimed_until END,
                    run_claim_id = CASE WHEN run_claim_id = @ClaimId THEN NULL ELSE run_claim_id END
                WHERE id = @Id
                """,
                new
                {
                    Id = write.SessionId,
                    Counted = write.Messages.Count(m => m.Counts),
                    Latest = write.Messages.Count == 0 ? (DateTime?)null : write.Messages.Max(m => m.CreatedAt),
                    ClaimId = write.ReleaseClaimId,
                },
                tx,
                cancellationToken: ct)).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    // Connection trouble (08), too many connections / out of resources (53), shutdown (57) and serialization
    // failures or deadlocks (40) pass; a refusal of the data itself (22, 23) would fail the same way every time.
    private static bool IsTransient(PostgresException ex) =>
        ex.IsTransient || ex.SqlState.StartsWith("08", StringComparison.Ordinal) || ex.SqlState.StartsWith("53", StringComparison.Ordinal)
        || ex.SqlState.StartsWith("57", StringComparison.Ordinal) || ex.SqlState.StartsWith("40", StringComparison.Ordinal);

    private sealed record Pending(TurnWrite Write)
    {
        public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Ends as <paramref name="other"/> ended.</summary>
        public void Complete(Task other)
        {
            if (other.Exception is { } failed)
            {
                Stored.TrySetException(failed.InnerExceptions);
            }
            else
            {
                Stored.TrySetResult();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store {Writes} turn writes yet ({Reason}); retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, int writes, double delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The database refused a turn write for session {SessionId} ({SqlState}); it cannot be stored")]
    private static partial void LogRefused(ILogger logger, Exception ex, string sqlState, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database refused the usage of a turn write for session {SessionId} ({SqlState}); the messages are stored without it")]
    private static partial void LogUsageRefused(ILogger logger, string sqlState, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stopped with {Writes} turn writes ({Messages} messages) not stored")]
    private static partial void LogLostAtShutdown(ILogger logger, int writes, int messages);
}
