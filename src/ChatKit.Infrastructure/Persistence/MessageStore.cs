using System.Data;
using ChatKit.Application.Abstractions;
using ChatKit.Domain.Sessions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>Reads of a session's messages, ownership checked in the same statement.</summary>
internal sealed class MessageStore(NpgsqlDataSource dataSource) : IMessageStore
{
    public async Task<IReadOnlyList<ChatMessage>> ReadAsync(
        Guid sessionId, string userId, Guid? after, bool including, bool descending, int take, CancellationToken ct)
    {
        var direction = descending ? "DESC" : "ASC";
        var comparison = (descending ? "<" : ">") + (including ? "=" : string.Empty);
        var sql =
            $"""
            SELECT {Rows.MessageColumns}
            FROM messages m JOIN sessions s ON s.id = m.session_id AND s.user_id = @UserId
            WHERE m.session_id = @SessionId AND m.active AND m.role IN ('user', 'assistant')
            {(after is null ? string.Empty : $"AND (m.created_at, m.id) {comparison} (SELECT created_at, id FROM messages WHERE id = @After AND session_id = @SessionId)")}
            ORDER BY m.created_at {direction}, m.id {direction}
            LIMIT @Take
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<Rows.MessageRow>(new CommandDefinition(
            sql, new { SessionId = sessionId, UserId = userId, After = after, Take = take }, cancellationToken: ct)).ConfigureAwait(false);
        return await Rows.ToMessagesAsync(conn, null, rows.AsList(), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ChatMessage>> ReadToolResultsAsync(
        Guid sessionId, string userId, IReadOnlyList<string> callIds, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<Rows.MessageRow>(new CommandDefinition(
            $"""
            SELECT {Rows.MessageColumns}
            FROM messages m JOIN sessions s ON s.id = m.session_id AND s.user_id = @UserId
            WHERE m.session_id = @SessionId AND m.active AND m.role = 'tool' AND m.tool_call_id = ANY(@CallIds)
            ORDER BY m.created_at, m.id
            """,
            new { SessionId = sessionId, UserId = userId, CallIds = callIds.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToMessage()).ToList();
    }

    public async Task<int> SetFeedbackAsync(
        Guid sessionId, string userId, IReadOnlyList<Guid> messageIds, IReadOnlyList<Guid> workflowIds, MessageFeedback feedback, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        // All or nothing: the ids that qualify are counted first, and nothing changes unless every one does.
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            WITH targets AS (
                SELECT m.id FROM messages m JOIN sessions s ON s.id = m.session_id AND s.user_id = @UserId
                WHERE m.session_id = @SessionId AND m.id = ANY(@Ids) AND m.role = 'assistant'
                  AND (m.tool_calls IS NOT NULL OR NOT m.id = ANY(@WorkflowIds))),
            updated AS (
                UPDATE messages SET feedback = @Feedback
                WHERE id IN (SELECT id FROM targets) AND (SELECT count(*) FROM targets) = cardinality(@Ids)
                RETURNING 1)
            SELECT count(*) FROM targets
            """,
            new { SessionId = sessionId, UserId = userId, Ids = messageIds.ToArray(), WorkflowIds = workflowIds.ToArray(), Feedback = Rows.Name(feedback) },
            cancellationToken: ct)).ConfigureAwait(false);
    }
}
