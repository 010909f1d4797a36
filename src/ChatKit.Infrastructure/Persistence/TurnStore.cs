using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using Microsoft.Extensions.Options;
using ChatKit.Domain.Sessions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// The start of a turn as one transaction whose facts the application decides on (it holds no policy), and the run
/// claim that keeps one run per session.
/// </summary>
internal sealed class TurnStore(NpgsqlDataSource dataSource, TimeProvider clock, IOptions<RunOptions> runs) : ITurnStore
{
    private string Owner => runs.Value.InstanceId;

    public async Task<ITurnTransaction> OpenAsync(OpenTurn open, CancellationToken ct)
    {
        var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        NpgsqlTransaction? tx = null;
        try
        {
            tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

            // A session created for this turn exists only if the turn starts: a refusal rolls it back with the rest.
            if (open.NewSession is { } session
                && !await Rows.TryInsertSessionAsync(conn, tx, session, autoTitle: true, open.MaxSessionsPerUser, ct).ConfigureAwait(false))
            {
                return new TurnTransaction(conn, tx, new TurnFacts(false, false, false, 0, false, false, string.Empty), open, Owner);
            }

            var row = await conn.QuerySingleOrDefaultAsync<TurnRow>(new CommandDefinition(
                """
                SELECT user_id = @UserId AS owned, message_count, auto_title, title,
                       run_claimed_until IS NOT NULL AND run_claimed_until > clock_timestamp() AS busy,
                       run_claim_id IS NOT NULL AND run_claimed_until <= clock_timestamp() AS orphaned
                FROM sessions WHERE id = @Id FOR NO KEY UPDATE
                """,
                new { Id = open.SessionId, open.UserId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var facts = row is null
                ? new TurnFacts(true, false, false, 0, false, false, string.Empty)
                : new TurnFacts(true, true, row.Owned, row.MessageCount, row.Busy, row.AutoTitle, row.Title, Orphaned: row.Orphaned);
            if (facts is { Exists: true, Owned: true })
            {
                facts = await ReadRestAsync(conn, tx, open, facts, ct).ConfigureAwait(false);
            }

            return new TurnTransaction(conn, tx, facts, open, Owner);
        }
        catch
        {
            if (tx is not null)
            {
                await tx.DisposeAsync().ConfigureAwait(false);
            }

            await conn.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The retry's item and the daily budgets' facts, of an owned session. The token budget counts what the user's other
    /// runs in flight reserved, under a per-user lock, so concurrent starts cannot all pass a budget that is almost spent.
    /// </summary>
    private async Task<TurnFacts> ReadRestAsync(NpgsqlConnection conn, NpgsqlTransaction tx, OpenTurn open, TurnFacts facts, CancellationToken ct)
    {
        if (open.RetryItemId is { } itemId)
        {
            var item = await conn.QuerySingleOrDefaultAsync<Rows.MessageRow>(new CommandDefinition(
                $"SELECT {Rows.MessageColumns} FROM messages m WHERE m.id = @ItemId AND m.session_id = @Id AND m.active AND m.role = 'user'",
                new { Id = open.SessionId, ItemId = itemId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            facts = facts with { RetryItem = item is null ? null : (await Rows.ToMessagesAsync(conn, tx, [item], ct).ConfigureAwait(false))[0] };
        }

        var dayStart = clock.GetUtcNow().UtcDateTime.Date;
        if (open.Budgets.MaxCostPerDayUsd > 0)
        {
            facts = facts with
            {
                CostToday = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
                    "SELECT coalesce(sum(cost_usd), 0) FROM usage WHERE created_at >= @DayStart",
                    new { DayStart = dayStart }, tx, cancellationToken: ct)).ConfigureAwait(false),
            };
        }

        if (open.Budgets.UserCostPerDayUsd > 0)
        {
            facts = facts with
            {
                UserCostToday = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
                    "SELECT coalesce(sum(cost_usd), 0) FROM usage WHERE user_id = @UserId AND created_at >= @DayStart",
                    new { open.UserId, DayStart = dayStart }, tx, cancellationToken: ct)).ConfigureAwait(false),
            };
        }

        if (open.Budgets.TokensPerUserPerDay > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(hashtextextended('budget:' || @UserId, 0))",
                new { open.UserId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            facts = facts with
            {
                TokensSpent = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                    """
                    SELECT (SELECT coalesce(sum(total_tokens), 0) FROM usage WHERE user_id = @UserId AND created_at >= @DayStart)
                         + (SELECT coalesce(sum(run_reserved_tokens), 0) FROM sessions
                            WHERE user_id = @UserId AND id <> @SessionId AND run_claim_id IS NOT NULL AND run_claimed_until > clock_timestamp())
                    """,
                    new { open.UserId, open.SessionId, DayStart = dayStart }, tx, cancellationToken: ct)).ConfigureAwait(false),
            };
        }

        return facts;
    }

    public async Task<bool> TryClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, bool orphansWait, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE sessions
            SET run_claim_id = @ClaimId, run_owner = @Owner, run_cancel_requested = false, run_claimed_until = clock_timestamp() + @ClaimLength, run_started_at = clock_timestamp(),
                run_background = false, run_reserved_tokens = 0
            WHERE id = @Id AND (run_claimed_until IS NULL OR run_claimed_until <= clock_timestamp()) AND NOT (@OrphansWait AND run_claim_id IS NOT NULL)
            """,
            new { Id = sessionId, ClaimId = claimId, ClaimLength = claimLength, Owner, OrphansWait = orphansWait },
            cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public async Task<bool> RenewRunClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET run_claimed_until = clock_timestamp() + @ClaimLength WHERE id = @Id AND run_claim_id = @ClaimId AND run_owner = @Owner",
            new { Id = sessionId, ClaimId = claimId, ClaimLength = claimLength, Owner },
            cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public async Task ReleaseRunClaimAsync(Guid sessionId, Guid claimId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET run_claim_id = NULL, run_claimed_until = NULL WHERE id = @Id AND run_claim_id = @ClaimId",
            new { Id = sessionId, ClaimId = claimId },
            cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OrphanedRun>> FindOrphanedRunsAsync(bool heldByThisInstance, bool lapsed, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<(Guid Id, Guid RunClaimId)>(new CommandDefinition(
            """
            SELECT id, run_claim_id FROM sessions
            WHERE run_claim_id IS NOT NULL AND ((@Lapsed AND run_claimed_until < clock_timestamp()) OR (@Mine AND run_owner = @Owner))
            ORDER BY run_claimed_until LIMIT 100
            """,
            new { Mine = heldByThisInstance, Lapsed = lapsed, Owner }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new OrphanedRun(r.Id, r.RunClaimId)).ToList();
    }

    public async Task<TakenOverRun?> TryTakeOverAsync(OrphanedRun run, bool heldByThisInstance, TimeSpan claimLength, CancellationToken ct)
    {
        // Decided here, once: of the survivors that try, one row update succeeds.
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<TakeOverRow>(new CommandDefinition(
            $"""
            UPDATE sessions SET run_owner = @Owner, run_claimed_until = clock_timestamp() + @ClaimLength
            WHERE id = @Id AND run_claim_id = @RunId AND (run_claimed_until < clock_timestamp() OR (@Mine AND run_owner = @Owner))
            RETURNING {Rows.SessionColumns}, run_cancel_requested
            """,
            new { Id = run.SessionId, run.RunId, Owner, ClaimLength = claimLength, Mine = heldByThisInstance }, cancellationToken: ct)).ConfigureAwait(false);
        return row is null ? null : new TakenOverRun(row.ToSession(), row.RunCancelRequested);
    }

    public async Task LetGoAsync(OrphanedRun run, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET run_claimed_until = clock_timestamp() WHERE id = @Id AND run_claim_id = @RunId AND run_owner = @Owner",
            new { Id = run.SessionId, run.RunId, Owner }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<bool> RequestCancelAsync(Guid sessionId, Guid runId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET run_cancel_requested = true WHERE id = @Id AND run_claim_id = @RunId",
            new { Id = sessionId, RunId = runId }, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>A session as a takeover returns it, with whether a cancel reached its run.</summary>
    internal sealed class TakeOverRow : Rows.SessionRow
    {
        public bool RunCancelRequested { get; init; }
    }

    public async Task<RunClaimState> ClaimStateAsync(Guid sessionId, Guid runId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var alive = await conn.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT run_claimed_until > clock_timestamp() FROM sessions WHERE id = @Id AND run_claim_id = @RunId",
            new { Id = sessionId, RunId = runId }, cancellationToken: ct)).ConfigureAwait(false);
        return alive switch
        {
            true => RunClaimState.Held,
            false => RunClaimState.Lapsed,
            null => RunClaimState.Released,
        };
    }

    /// <remarks>
    /// Locks in the order every turn write takes them (ADR-028): each session (shared, by id), then its checkpoint. The
    /// shared lock waits for a turn write that is releasing the claim and then sees the claim gone, so a tick racing the
    /// run's end never writes a checkpoint its end has already deleted.
    /// </remarks>
    public async Task SaveCheckpointsAsync(IReadOnlyList<RunCheckpoint> checkpoints, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO run_checkpoints (run_id, session_id, item_id, text, updated_at)
            SELECT c.run_id, c.session_id, c.item_id, c.text, clock_timestamp()
            FROM unnest(@RunIds, @SessionIds, @ItemIds, @Texts) AS c (run_id, session_id, item_id, text)
            JOIN sessions s ON s.id = c.session_id AND s.run_claim_id = c.run_id
            ORDER BY c.session_id
            FOR SHARE OF s
            ON CONFLICT (run_id) DO UPDATE SET item_id = excluded.item_id, text = excluded.text, updated_at = excluded.updated_at
            """,
            new
            {
                RunIds = checkpoints.Select(c => c.RunId).ToArray(),
                SessionIds = checkpoints.Select(c => c.SessionId).ToArray(),
                ItemIds = checkpoints.Select(c => c.ItemId).ToArray(),
                Texts = checkpoints.Select(c => c.Text).ToArray(),
            },
            cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ToolEffect>> ReadToolEffectsAsync(Guid sessionId, IReadOnlyList<string> callIds, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<(string CallId, Guid? TaskId)>(new CommandDefinition(
            "SELECT call_id, task_id FROM tool_effects WHERE session_id = @SessionId AND call_id = ANY(@CallIds)",
            new { SessionId = sessionId, CallIds = callIds.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new ToolEffect(r.CallId, r.TaskId)).ToList();
    }

    public async Task<IReadOnlyList<ChatMessage>> ReadHistoryAsync(Guid sessionId, int count, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await Rows.ReadRecentAsync(conn, null, sessionId, count, null, ct).ConfigureAwait(false);
    }

    public async Task<RunCheckpoint?> ReadCheckpointAsync(Guid runId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<(Guid RunId, Guid SessionId, Guid ItemId, string Text)>(new CommandDefinition(
            "SELECT run_id, session_id, item_id, text FROM run_checkpoints WHERE run_id = @RunId", new { RunId = runId }, cancellationToken: ct))
            .ConfigureAwait(false);
        return row.RunId == Guid.Empty ? null : new RunCheckpoint(row.RunId, row.SessionId, row.ItemId, row.Text);
    }

    internal sealed class TurnRow
    {
        public bool Owned { get; init; }

        public int MessageCount { get; init; }

        public bool AutoTitle { get; init; }

        public string Title { get; init; } = string.Empty;

        public bool Busy { get; init; }

        public bool Orphaned { get; init; }
    }
}
