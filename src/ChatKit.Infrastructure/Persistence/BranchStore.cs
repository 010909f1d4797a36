using ChatKit.Application.Abstractions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>Activation of a branch: one transaction with the session row locked, as a turn's start holds it.</summary>
internal sealed class BranchStore(NpgsqlDataSource dataSource) : IBranchStore
{
    public async Task<ActivateOutcome> ActivateAsync(Guid sessionId, string userId, Guid messageId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        // A run holding the session would store its reply on a branch the user no longer sees.
        var session = await conn.QuerySingleOrDefaultAsync<SessionState>(new CommandDefinition(
            """SELECT user_id = @UserId AS "Owned", coalesce(run_claimed_until > clock_timestamp(), false) AS "Claimed" FROM sessions WHERE id = @SessionId FOR NO KEY UPDATE""",
            new { SessionId = sessionId, UserId = userId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (session is not { Owned: true, Claimed: false })
        {
            return session is null ? ActivateOutcome.SessionNotFound : session.Owned ? ActivateOutcome.RunInProgress : ActivateOutcome.Forbidden;
        }

        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM messages WHERE id = @MessageId AND session_id = @SessionId AND role <> 'note')",
                new { SessionId = sessionId, MessageId = messageId }, tx, cancellationToken: ct)).ConfigureAwait(false))
        {
            return ActivateOutcome.MessageNotFound;
        }

        await Branches.LinkUnlinkedAsync(conn, tx, sessionId, ct).ConfigureAwait(false);
        await Branches.ActivateAsync(conn, tx, sessionId, messageId, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return ActivateOutcome.Activated;
    }

    private sealed class SessionState
    {
        public bool Owned { get; init; }

        public bool Claimed { get; init; }
    }
}
