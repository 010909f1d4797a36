using System.Data;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// Sessions over Dapper and one <see cref="NpgsqlDataSource"/>. Each method opens and closes its own connection,
/// passes the caller's token to every command, and puts the user id into the SQL of anything it reads or changes.
/// </summary>
internal sealed class SessionStore(NpgsqlDataSource dataSource) : ISessionStore
{
    public async Task<bool> TryCreateAsync(ChatSession session, bool autoTitle, int maxSessionsPerUser, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var inserted = await Rows.TryInsertSessionAsync(conn, tx, session, autoTitle, maxSessionsPerUser, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return inserted;
    }

    public async Task<SessionLookup> FindAsync(Guid sessionId, string userId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<Rows.SessionRow>(new CommandDefinition(
            $"SELECT {LookupColumns} FROM sessions s WHERE s.id = @Id",
            new { Id = sessionId, UserId = userId },
            cancellationToken: ct)).ConfigureAwait(false);
        return Lookup(row);
    }

    /// <summary>What a lookup of a session reads (alias <c>s</c>): its columns, whether it is the caller's, its active run.</summary>
    private static readonly string LookupColumns =
        $"""
        {Rows.SessionColumnsOf("s")}, s.user_id = @UserId AS owned,
        CASE WHEN s.run_claimed_until > clock_timestamp() THEN s.run_claim_id END AS active_run_id,
        s.run_started_at AS active_run_started_at, s.run_background AS active_run_background, s.branched
        """;

    /// <summary>A row read with an ownership column: the session, or a 404 or 403 (never someone else's session).</summary>
    private static SessionLookup Lookup(Rows.SessionRow? row) => row switch
    {
        null => new SessionLookup(SessionAccess.NotFound, null),
        { Owned: false } => new SessionLookup(SessionAccess.Forbidden, null),
        _ => new SessionLookup(SessionAccess.Owned, row.ToSession()),
    };

    public async Task<SessionDetail> ReadDetailAsync(Guid sessionId, string userId, int? limit, string? after, CancellationToken ct)
    {
        // One round trip for the whole page: the session row (with the owner check), its usage, and its messages joined to
        // it (each row repeats the session's columns; a session without messages on this page is one row without them).
        var hasCursor = PagingRules.TryDecode(after, out var afterAt, out var afterId);
        var sql =
            $"""
            SELECT {LookupColumns},
                   u.prompt_total, u.completion_total, u.tokens_total, u.cost_total,
                   p.*
            FROM sessions s
            CROSS JOIN LATERAL (
                SELECT coalesce(sum(prompt_tokens), 0) AS prompt_total, coalesce(sum(completion_tokens), 0) AS completion_total,
                       coalesce(sum(total_tokens), 0) AS tokens_total, coalesce(sum(cost_usd), 0) AS cost_total
                FROM usage WHERE session_id = s.id AND s.user_id = @UserId) u
            LEFT JOIN LATERAL (
                SELECT {Rows.MessageColumns} FROM messages m
                WHERE m.session_id = s.id AND s.user_id = @UserId AND m.active AND m.role <> 'note' {(hasCursor ? "AND (m.created_at, m.id) > (@AfterAt, @AfterId)" : string.Empty)}
                ORDER BY m.created_at, m.id
                {(limit is null ? string.Empty : "LIMIT @Take")}) p ON true
            WHERE s.id = @Id
            ORDER BY p.created_at, p.id
            """;
        Rows.SessionRow? session = null;
        Rows.UsageTotalsRow? usage = null;
        var messageRows = new List<Rows.MessageRow>();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.QueryAsync<Rows.SessionRow, Rows.UsageTotalsRow, Rows.MessageRow?, bool>(
            new CommandDefinition(sql, new { Id = sessionId, UserId = userId, AfterAt = afterAt, AfterId = afterId, Take = limit + 1 }, cancellationToken: ct),
            (s, u, m) =>
            {
                session ??= s;
                usage ??= u;
                if (m is not null)
                {
                    messageRows.Add(m);
                }

                return true;
            },
            splitOn: "prompt_total,id").ConfigureAwait(false);
        var next = Rows.TrimPage(messageRows, limit, m => PagingRules.Encode(Rows.Utc(m.CreatedAt), m.Id));
        var messages = await Rows.ToMessagesAsync(conn, null, messageRows, ct).ConfigureAwait(false);
        if (session is { Branched: true, Owned: true })
        {
            messages = await Branches.WithSiblingsAsync(conn, sessionId, messages, ct).ConfigureAwait(false);
        }

        return new SessionDetail(Lookup(session), usage?.ToTotals() ?? new UsageTotals(0, 0, 0, 0), new MessagePage(messages, next));
    }

    public async Task<SessionPage> ListAsync(string userId, int? limit, string? after, CancellationToken ct)
    {
        var hasCursor = PagingRules.TryDecode(after, out var afterAt, out var afterId);
        var sql =
            $"""
            SELECT count(*) FROM sessions WHERE user_id = @UserId;
            SELECT {Rows.SessionColumns} FROM sessions
            WHERE user_id = @UserId {(hasCursor ? "AND (updated_at, id) < (@AfterAt, @AfterId)" : string.Empty)}
            ORDER BY updated_at DESC, id DESC
            {(limit is null ? string.Empty : "LIMIT @Take")}
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            sql, new { UserId = userId, AfterAt = afterAt, AfterId = afterId, Take = limit + 1 }, cancellationToken: ct))
            .ConfigureAwait(false);
        var total = await grid.ReadSingleAsync<long>().ConfigureAwait(false);
        var rows = (await grid.ReadAsync<Rows.SessionRow>().ConfigureAwait(false)).Select(r => r.ToSession()).ToList();
        var next = Rows.TrimPage(rows, limit, s => PagingRules.Encode(s.UpdatedAt, s.Id));
        return new SessionPage(rows, (int)total, next);
    }

    public async Task<SessionAccess> DeleteAsync(Guid sessionId, string userId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);

        // The CTE's delete is not visible to the rest of the statement, so a deleted row still "exists" there;
        // the first WHEN catches it.
        var access = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            WITH deleted AS (DELETE FROM sessions WHERE id = @Id AND user_id = @UserId RETURNING 1)
            SELECT CASE WHEN EXISTS (SELECT 1 FROM deleted) THEN 2
                        WHEN EXISTS (SELECT 1 FROM sessions WHERE id = @Id) THEN 1
                        ELSE 0 END
            """,
            new { Id = sessionId, UserId = userId },
            cancellationToken: ct)).ConfigureAwait(false);
        return (SessionAccess)access;
    }

    public async Task<IReadOnlyList<ChatSession>> ListByCreationAsync(string userId, int take, bool descending, Guid? after, CancellationToken ct)
    {
        var direction = descending ? "DESC" : "ASC";
        var comparison = descending ? "<" : ">";
        var sql =
            $"""
            SELECT {Rows.SessionColumns} FROM sessions
            WHERE user_id = @UserId
            {(after is null ? string.Empty : $"AND (created_at, id) {comparison} (SELECT created_at, id FROM sessions WHERE id = @After AND user_id = @UserId)")}
            ORDER BY created_at {direction}, id {direction}
            LIMIT @Take
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<Rows.SessionRow>(new CommandDefinition(
            sql, new { UserId = userId, After = after, Take = take }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToSession()).ToList();
    }

    public async Task<SessionLookup> RenameAsync(Guid sessionId, string userId, string title, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<Rows.SessionRow>(new CommandDefinition(
            $"""
            WITH renamed AS (
                UPDATE sessions SET title = @Title, auto_title = false
                WHERE id = @Id AND user_id = @UserId
                RETURNING {Rows.SessionColumns})
            SELECT {Rows.SessionColumns}, true AS owned FROM renamed
            UNION ALL
            SELECT {Rows.SessionColumns}, false AS owned FROM sessions WHERE id = @Id AND user_id <> @UserId
            """,
            new { Id = sessionId, UserId = userId, Title = title },
            cancellationToken: ct)).ConfigureAwait(false);
        return Lookup(row);
    }
}
