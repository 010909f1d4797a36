using ChatKit.Application.Abstractions;
using ChatKit.Domain.Sessions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// The start of a turn as one transaction whose facts the application decides on (it holds no policy), and the run
/// claim that keeps one run per session.
/// </summary>
internal sealed class TurnStore(NpgsqlDataSource dataSource, TimeProvider clock) : ITurnStore
{
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
                return new TurnTransaction(conn, tx, new TurnFacts(false, false, false, 0, false, false, string.Empty), open);
            }

            var row = await conn.QuerySingleOrDefaultAsync<TurnRow>(new CommandDefinition(
                """
                SELECT user_id = @UserId AS owned, message_count, auto_title, title,
                       run_claimed_until IS NOT NULL AND run_claimed_until > clock_timestamp() AS busy
                FROM sessions WHERE id = @Id FOR UPDATE
                """,
                new { Id = open.SessionId, open.UserId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var facts = row is null
                ? new TurnFacts(true, false, false, 0, false, false, string.Empty)
                : new TurnFacts(true, true, row.Owned, row.MessageCount, row.Busy, row.AutoTitle, row.Title);
            if (facts is { Exists: true, Owned: true })
            {
                facts = await ReadRestAsync(conn, tx, open, facts, ct).ConfigureAwait(false);
            }

            return new TurnTransaction(conn, tx, facts, open);
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
                $"SELECT {Rows.MessageColumns} FROM messages m WHERE m.id = @ItemId AND m.session_id = @Id AND m.role = 'user'",
                new { Id = open.SessionId, ItemId = itemId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            facts = facts with { RetryItem = item?.ToMessage() };
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

    public async Task<bool> TryClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE sessions
            SET run_claim_id = @ClaimId, run_claimed_until = clock_timestamp() + @ClaimLength, run_started_at = clock_timestamp(),
                run_background = false, run_reserved_tokens = 0
            WHERE id = @Id AND (run_claimed_until IS NULL OR run_claimed_until <= clock_timestamp())
            """,
            new { Id = sessionId, ClaimId = claimId, ClaimLength = claimLength },
            cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public async Task<bool> RenewRunClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET run_claimed_until = clock_timestamp() + @ClaimLength WHERE id = @Id AND run_claim_id = @ClaimId",
            new { Id = sessionId, ClaimId = claimId, ClaimLength = claimLength },
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

    internal sealed class TurnRow
    {
        public bool Owned { get; init; }

        public int MessageCount { get; init; }

        public bool AutoTitle { get; init; }

        public string Title { get; init; } = string.Empty;

        public bool Busy { get; init; }
    }
}
