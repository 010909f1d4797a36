using System.Data;
using System.Text.Json;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>The start of a turn in one transaction, and the run claim that keeps one run per session.</summary>
internal sealed partial class TurnStore(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<TurnStore> logger) : ITurnStore
{
    // The UTC day for which this instance already warned that 80 % of the daily cost limit is spent.
    private long _warnedDay = -1;

    public async Task<BeginTurnResult> BeginTurnAsync(BeginTurn turn, CancellationToken ct)
    {
        var message = turn.UserMessage;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        // A session created for this turn exists only if the turn starts: any refusal below rolls it back with the rest.
        if (turn.NewSession is { } session
            && !await Rows.TryInsertSessionAsync(conn, tx, session, autoTitle: true, turn.MaxSessionsPerUser, ct).ConfigureAwait(false))
        {
            return BeginTurnResult.Refused(BeginTurnOutcome.SessionLimit);
        }

        var current = await LockSessionAsync(conn, tx, message.SessionId, turn.UserId, ct).ConfigureAwait(false);
        var refusal = current switch
        {
            null => BeginTurnOutcome.NotFound,
            { Owned: false } => BeginTurnOutcome.Forbidden,
            _ when !turn.ThreadMatches => BeginTurnOutcome.ThreadNotFound,
            { MessageCount: var count } when count >= turn.MaxMessagesPerSession => BeginTurnOutcome.MessageLimit,
            { Busy: true } => BeginTurnOutcome.RunInProgress,
            _ => BeginTurnOutcome.Started,
        };
        if (refusal == BeginTurnOutcome.Started)
        {
            refusal = await CheckBudgetsAsync(conn, tx, turn.UserId, message.SessionId, turn.Budgets, ct).ConfigureAwait(false) ?? refusal;
        }

        if (refusal != BeginTurnOutcome.Started)
        {
            return BeginTurnResult.Refused(refusal);
        }

        var history = turn.HistoryCount <= 0
            ? []
            : (await conn.QueryAsync<Rows.MessageRow>(new CommandDefinition(
                $"""
                SELECT * FROM (
                    SELECT {Rows.MessageColumns} FROM messages m
                    WHERE m.session_id = @SessionId
                    ORDER BY m.created_at DESC, m.id DESC
                    LIMIT @Take) recent
                ORDER BY created_at, id
                """,
                new { message.SessionId, Take = turn.HistoryCount }, tx, cancellationToken: ct)).ConfigureAwait(false))
            .Select(r => r.ToMessage()).ToList();
        turn.Checked?.Invoke(history);

        // Timed under the lock: a send admitted after another turn's reply is stored after it, whatever its request's age.
        var at = SessionRules.ToStoragePrecision(clock.GetUtcNow());
        message = message with { CreatedAt = history.Count > 0 && history[^1].CreatedAt >= at ? history[^1].CreatedAt.AddTicks(10) : at };
        var renames = current!.AutoTitle && current.MessageCount == 0 && turn.TitleIfFirst is not null;
        await Rows.InsertMessageAsync(conn, tx, message, ct).ConfigureAwait(false);
        var updated = await conn.QuerySingleAsync<Rows.SessionRow>(new CommandDefinition(
            $"""
            UPDATE sessions
            SET message_count = message_count + 1,
                updated_at = GREATEST(updated_at, @Now),
                title = CASE WHEN @Rename THEN @Title ELSE title END,
                auto_title = auto_title AND NOT @Rename,
                run_claim_id = @ClaimId,
                run_claimed_until = clock_timestamp() + @ClaimLength,
                run_started_at = clock_timestamp(),
                run_background = @Background,
                run_reserved_tokens = @Reserved
            WHERE id = @Id
            RETURNING {Rows.SessionColumns}
            """,
            new
            {
                turn.Background,
                Reserved = Reservation(turn.Budgets, history, message),
                Id = message.SessionId,
                Now = message.CreatedAt,
                Rename = renames,
                Title = turn.TitleIfFirst,
                turn.ClaimId,
                turn.ClaimLength,
            },
            tx,
            cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new BeginTurnResult(BeginTurnOutcome.Started, updated.ToSession(), renames && current.Title != turn.TitleIfFirst, history)
        {
            UserMessage = message,
        };
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

    public async Task<BeginTurnResult> BeginRetryAsync(RetryTurn retry, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var current = await LockSessionAsync(conn, tx, retry.SessionId, retry.UserId, ct).ConfigureAwait(false);
        var item = current is { Owned: true, Busy: false }
            ? await conn.QuerySingleOrDefaultAsync<Rows.MessageRow>(new CommandDefinition(
                $"SELECT {Rows.MessageColumns} FROM messages m WHERE m.id = @ItemId AND m.session_id = @Id AND m.role = 'user'",
                new { Id = retry.SessionId, retry.ItemId }, tx, cancellationToken: ct)).ConfigureAwait(false)
            : null;
        var refusal = current switch
        {
            null => BeginTurnOutcome.NotFound,
            { Owned: false } => BeginTurnOutcome.Forbidden,
            { Busy: true } => BeginTurnOutcome.RunInProgress,
            _ when item is null => BeginTurnOutcome.ItemNotFound,
            _ => BeginTurnOutcome.Started,
        };
        if (refusal == BeginTurnOutcome.Started)
        {
            refusal = await CheckBudgetsAsync(conn, tx, retry.UserId, retry.SessionId, retry.Budgets, ct).ConfigureAwait(false) ?? refusal;
        }

        if (refusal != BeginTurnOutcome.Started)
        {
            return BeginTurnResult.Refused(refusal);
        }

        var message = item!.ToMessage();
        var history = (await conn.QueryAsync<Rows.MessageRow>(new CommandDefinition(
            $"""
            SELECT * FROM (
                SELECT {Rows.MessageColumns} FROM messages m
                WHERE m.session_id = @Id AND (m.created_at, m.id) < (@At, @ItemId)
                ORDER BY m.created_at DESC, m.id DESC
                LIMIT @Take) recent
            ORDER BY created_at, id
            """,
            new { Id = retry.SessionId, At = message.CreatedAt, retry.ItemId, Take = retry.HistoryCount }, tx, cancellationToken: ct)).ConfigureAwait(false))
            .Select(r => r.ToMessage()).ToList();
        var session = await conn.QuerySingleAsync<Rows.SessionRow>(new CommandDefinition(
            $"""
            WITH later AS (
                DELETE FROM messages WHERE session_id = @Id AND (created_at, id) > (@At, @ItemId) RETURNING role)
            UPDATE sessions
            SET message_count = message_count - (SELECT count(*) FROM later WHERE role <> 'tool'),
                run_claim_id = @ClaimId,
                run_claimed_until = clock_timestamp() + @ClaimLength,
                run_started_at = clock_timestamp(),
                run_background = false,
                run_reserved_tokens = @Reserved
            WHERE id = @Id
            RETURNING {Rows.SessionColumns}
            """,
            new
            {
                Id = retry.SessionId,
                At = message.CreatedAt,
                retry.ItemId,
                retry.ClaimId,
                retry.ClaimLength,
                Reserved = Reservation(retry.Budgets, history, message),
            },
            tx,
            cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new BeginTurnResult(BeginTurnOutcome.Started, session.ToSession(), false, [.. history, message]);
    }

    /// <summary>Locks the session row for the rest of the transaction and reads what a turn's start checks; null when there is none.</summary>
    private static Task<TurnRow?> LockSessionAsync(NpgsqlConnection conn, IDbTransaction tx, Guid sessionId, string userId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<TurnRow>(new CommandDefinition(
            """
            SELECT user_id = @UserId AS owned, message_count, auto_title, title,
                   run_claimed_until IS NOT NULL AND run_claimed_until > clock_timestamp() AS busy
            FROM sessions WHERE id = @Id FOR UPDATE
            """,
            new { Id = sessionId, UserId = userId }, tx, cancellationToken: ct));

    /// <summary>
    /// The daily budgets, inside the turn's start transaction. The cost limit counts what is recorded for everyone today;
    /// the token budget also counts what the user's runs in flight have reserved, under a per-user lock, so concurrent
    /// starts cannot all pass a budget that is almost spent.
    /// </summary>
    private async Task<BeginTurnOutcome?> CheckBudgetsAsync(
        NpgsqlConnection conn, IDbTransaction tx, string userId, Guid sessionId, Budgets budgets, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var dayStart = now.UtcDateTime.Date;
        if (budgets.MaxCostPerDayUsd > 0)
        {
            var cost = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
                "SELECT coalesce(sum(cost_usd), 0) FROM usage WHERE created_at >= @DayStart",
                new { DayStart = dayStart }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (cost >= budgets.MaxCostPerDayUsd)
            {
                return BeginTurnOutcome.DailyCostLimit;
            }

            var day = dayStart.Ticks / TimeSpan.TicksPerDay;
            if (cost >= budgets.MaxCostPerDayUsd * 0.8m && Interlocked.Exchange(ref _warnedDay, day) != day)
            {
                LogCostWarning(logger, cost, budgets.MaxCostPerDayUsd);
            }
        }

        if (budgets.TokensPerUserPerDay > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(hashtextextended('budget:' || @UserId, 0))",
                new { UserId = userId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var spent = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                SELECT (SELECT coalesce(sum(total_tokens), 0) FROM usage WHERE user_id = @UserId AND created_at >= @DayStart)
                     + (SELECT coalesce(sum(run_reserved_tokens), 0) FROM sessions
                        WHERE user_id = @UserId AND id <> @SessionId AND run_claim_id IS NOT NULL AND run_claimed_until > clock_timestamp())
                """,
                new { UserId = userId, SessionId = sessionId, DayStart = dayStart }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (spent >= budgets.TokensPerUserPerDay)
            {
                return BeginTurnOutcome.TokenBudgetExceeded;
            }
        }

        return null;
    }

    /// <summary>What a starting run holds against its user's budget: its prompt's estimate (~4 characters a token) and the reserve.</summary>
    private static int Reservation(Budgets budgets, IReadOnlyList<ChatMessage> history, ChatMessage message) =>
        budgets.TokensPerUserPerDay <= 0 ? 0 : budgets.Reserve + ((history.Sum(m => m.Text.Length) + message.Text.Length + 3) / 4);

    [LoggerMessage(Level = LogLevel.Warning, Message = "80 % of the daily cost limit is spent: {CostUsd} of {LimitUsd} USD today")]
    private static partial void LogCostWarning(ILogger logger, decimal costUsd, decimal limitUsd);

    internal sealed class TurnRow
    {
        public bool Owned { get; init; }

        public int MessageCount { get; init; }

        public bool AutoTitle { get; init; }

        public string Title { get; init; } = string.Empty;

        public bool Busy { get; init; }
    }
}
