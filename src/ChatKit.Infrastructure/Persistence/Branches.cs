using System.Data;
using ChatKit.Domain.Sessions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// A session's messages as a tree (ADR-027): each message follows its <c>parent_id</c>; an edit or a retry adds a sibling
/// and sets the old branch aside (<c>active = false</c>) instead of deleting it; the session shows and the prompt holds the
/// active branch, one path from a first message to the last. Each statement here runs inside the caller's transaction,
/// with the session row locked.
/// </summary>
internal static class Branches
{
    /// <summary>
    /// Rows written before branches have no parent; their sessions are linear (every message active), so each follows the
    /// active message before it, and a first message the session. Touches only such rows; run before a branch operation.
    /// </summary>
    public static Task LinkUnlinkedAsync(NpgsqlConnection conn, IDbTransaction tx, Guid sessionId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            WITH ordered AS (
                SELECT id, parent_id, lag(id) OVER (ORDER BY created_at, id) AS previous
                FROM messages WHERE session_id = @SessionId AND active)
            UPDATE messages m SET parent_id = coalesce(o.previous, @SessionId)
            FROM ordered o
            WHERE m.id = o.id AND o.parent_id IS NULL
            """,
            new { SessionId = sessionId }, tx, cancellationToken: ct));

    /// <summary>
    /// Sets aside the active messages after <paramref name="item"/> (and the item itself when <paramref name="including"/>):
    /// they stay, inactive. The edited item, or the retried item's reply, is no longer its group's chosen sibling (the new
    /// one will be); what follows it keeps its choices, for when its branch comes back. Marks the
    /// session branched and returns how many of the set-aside messages counted against the message cap.
    /// </summary>
    public static Task<int> SetAsideAsync(NpgsqlConnection conn, IDbTransaction tx, ChatMessage item, bool including, CancellationToken ct) =>
        conn.ExecuteScalarAsync<int>(new CommandDefinition(
            $"""
            WITH aside AS (
                UPDATE messages SET active = false,
                                    selected = selected AND NOT {(including ? "id" : "parent_id")} = @ItemId
                WHERE session_id = @SessionId AND active AND (created_at, id) {(including ? ">=" : ">")} (@ItemAt, @ItemId)
                RETURNING role),
            marked AS (UPDATE sessions SET branched = true WHERE id = @SessionId AND NOT branched RETURNING 1)
            SELECT count(*) FROM aside WHERE role IN ('user', 'assistant')
            """,
            new { item.SessionId, ItemId = item.Id, ItemAt = item.CreatedAt }, tx, cancellationToken: ct));

    /// <summary>
    /// Makes the branch through <paramref name="messageId"/> the active one: it and its ancestors become their groups'
    /// chosen siblings, and below it the branch chosen last in each group comes back; the session's message count follows.
    /// </summary>
    /// <remarks>
    /// The walks are UNION, not UNION ALL: a parent cycle (which the import now refuses, but older data may hold) ends
    /// the walk instead of running until the disk fills with temp files.
    /// </remarks>
    public static async Task ActivateAsync(NpgsqlConnection conn, IDbTransaction tx, Guid sessionId, Guid messageId, CancellationToken ct)
    {
        const string Up =
            """
            WITH RECURSIVE up AS (
                SELECT id, parent_id FROM messages WHERE id = @MessageId AND session_id = @SessionId
                UNION
                SELECT m.id, m.parent_id FROM messages m JOIN up ON m.id = up.parent_id AND m.session_id = @SessionId)
            """;
        var args = new { SessionId = sessionId, MessageId = messageId };
        await conn.ExecuteAsync(new CommandDefinition(
            $"""
            {Up}
            UPDATE messages m SET selected = m.id IN (SELECT id FROM up)
            WHERE m.session_id = @SessionId AND m.parent_id IN (SELECT parent_id FROM up)
              AND m.selected IS DISTINCT FROM (m.id IN (SELECT id FROM up))
            """,
            args, tx, cancellationToken: ct)).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            $"""
            {Up},
            down AS (
                SELECT id FROM messages WHERE id = @MessageId AND session_id = @SessionId
                UNION
                SELECT next.id FROM down CROSS JOIN LATERAL (
                    SELECT c.id FROM messages c WHERE c.session_id = @SessionId AND c.parent_id = down.id
                    ORDER BY c.selected DESC, c.created_at DESC, c.id DESC LIMIT 1) next),
            branch AS (SELECT id FROM up UNION SELECT id FROM down)
            UPDATE messages m SET active = m.id IN (SELECT id FROM branch)
            WHERE m.session_id = @SessionId AND m.active IS DISTINCT FROM (m.id IN (SELECT id FROM branch))
            """,
            args, tx, cancellationToken: ct)).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE sessions SET message_count = (
                SELECT count(*) FROM messages WHERE session_id = @SessionId AND active AND role IN ('user', 'assistant'))
            WHERE id = @SessionId
            """,
            args, tx, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>The messages with their siblings' ids, for those that have siblings (one statement for the page).</summary>
    public static async Task<List<ChatMessage>> WithSiblingsAsync(NpgsqlConnection conn, Guid sessionId, List<ChatMessage> messages, CancellationToken ct)
    {
        var parents = messages.Where(m => m.ParentId is not null).Select(m => m.ParentId!.Value).Distinct().ToArray();
        if (parents.Length == 0)
        {
            return messages;
        }

        var groups = (await conn.QueryAsync<(Guid Parent, Guid[] Ids)>(new CommandDefinition(
            """
            SELECT parent_id, array_agg(id ORDER BY created_at, id)
            FROM messages WHERE session_id = @SessionId AND parent_id = ANY(@Parents)
            GROUP BY parent_id HAVING count(*) > 1
            """,
            new { SessionId = sessionId, Parents = parents }, cancellationToken: ct)).ConfigureAwait(false))
            .ToDictionary(g => g.Parent, g => g.Ids);
        return messages.Select(m => m.ParentId is { } parent && groups.TryGetValue(parent, out var ids)
            ? m with { Branch = new MessageBranch(Array.IndexOf(ids, m.Id), ids.Length, ids) }
            : m).ToList();
    }
}
