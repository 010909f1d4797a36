using System.Data;
using System.Text.Json;
using ChatKit.Application.Abstractions;
using ChatKit.Domain.Sessions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>The row shapes, columns and conversions the stores share. Enum values are written and read by name, never by ordinal.</summary>
internal static class Rows
{
    public const string SessionColumns = "id, user_id, title, created_at, updated_at, message_count";

    /// <summary><see cref="SessionColumns"/> of the table aliased <paramref name="alias"/>.</summary>
    public static string SessionColumnsOf(string alias) =>
        string.Join(", ", SessionColumns.Split(", ").Select(c => alias + "." + c));

    public const string MessageColumns =
        "m.id, m.session_id, m.role, m.content::text AS content, m.tool_calls::text AS tool_calls, m.status, m.created_at, " +
        "m.model, m.prompt_tokens, m.completion_tokens, m.total_tokens, m.tool_call_id, m.feedback, m.stopped, m.quoted_text, m.tool_choice, m.attachment_count, m.parent_id";

    private static readonly JsonSerializerOptions Json = StoredJson.Options;

    /// <summary>
    /// Maps snake_case columns onto the row classes' properties. Registered per row type (not Dapper's process-wide
    /// underscore switch), so nothing else in the process changes behaviour.
    /// </summary>
    public static void RegisterTypeMaps()
    {
        foreach (var type in new[] { typeof(SessionRow), typeof(MessageRow), typeof(TaskStore.TaskRow), typeof(TurnStore.TurnRow), typeof(UsageStore.DayRow), typeof(UsageStore.AccountRow), typeof(AccountStore.CountsRow), typeof(UsageTotalsRow), typeof(WidgetStore.WidgetRow), typeof(AttachmentStore.AttachmentRow), typeof(TurnStore.TakeOverRow), typeof(SearchStore.HitRow) })
        {
            SqlMapper.SetTypeMap(type, new CustomPropertyTypeMap(type, (t, column) =>
                t.GetProperties().FirstOrDefault(p => string.Equals(p.Name, column.Replace("_", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))!));
        }
    }

    public static string Name(MessageRole role) => role switch
    {
        MessageRole.User => "user",
        MessageRole.Assistant => "assistant",
        MessageRole.Tool => "tool",
        MessageRole.Note => "note",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static string Name(MessageFeedback feedback) => feedback switch
    {
        MessageFeedback.Positive => "positive",
        MessageFeedback.Negative => "negative",
        _ => throw new ArgumentOutOfRangeException(nameof(feedback)),
    };

    public static string Name(MessageStatus status) => status switch
    {
        MessageStatus.Completed => "completed",
        MessageStatus.Incomplete => "incomplete",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>
    /// Inserts a message after the session's last active one (its parent, ADR-027), with its search columns (ADR-026)
    /// filled by the statement itself: the trigger that fills them for other writers is then skipped by its WHEN, so the
    /// turn's path runs no PL/pgSQL (compiled once per database connection, it cost the first inserts of each).
    /// </summary>
    public static Task InsertMessageAsync(NpgsqlConnection conn, IDbTransaction tx, ChatMessage m, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO messages (id, session_id, role, content, tool_calls, status, created_at,
                                  model, prompt_tokens, completion_tokens, total_tokens, tool_call_id, stopped, quoted_text, tool_choice, attachment_count,
                                  parent_id, user_id, search)
            VALUES (@Id, @SessionId, @Role, @Content::jsonb, @ToolCalls::jsonb, @Status, @CreatedAt,
                    @Model, @PromptTokens, @CompletionTokens, @TotalTokens, @ToolCallId, @Stopped, @QuotedText, @ToolChoice, @AttachmentCount,
                    coalesce((SELECT p.id FROM messages p WHERE p.session_id = @SessionId AND p.active ORDER BY p.created_at DESC, p.id DESC LIMIT 1),
                             @SessionId),
                    (SELECT s.user_id FROM sessions s WHERE s.id = @SessionId), message_search_vector(@Role, @Content::jsonb))
            """,
            new
            {
                m.Id,
                m.SessionId,
                Role = Name(m.Role),
                Content = JsonSerializer.Serialize(m.Content, Json),
                ToolCalls = m.ToolCalls is null ? null : JsonSerializer.Serialize(m.ToolCalls, Json),
                Status = Name(m.Status),
                m.CreatedAt,
                m.Model,
                m.Usage?.PromptTokens,
                m.Usage?.CompletionTokens,
                m.Usage?.TotalTokens,
                m.ToolCallId,
                m.Stopped,
                m.QuotedText,
                m.ToolChoice,
                AttachmentCount = (short)m.Attachments.Count,
            },
            tx,
            cancellationToken: ct));

    /// <summary>The session's most recent <paramref name="count"/> messages, oldest first (before <paramref name="before"/> when given).</summary>
    public static async Task<IReadOnlyList<ChatMessage>> ReadRecentAsync(
        NpgsqlConnection conn, IDbTransaction? tx, Guid sessionId, int count, ChatMessage? before, CancellationToken ct)
    {
        var rows = await conn.QueryAsync<MessageRow>(new CommandDefinition(
            $"""
            SELECT * FROM (
                SELECT {MessageColumns} FROM messages m
                WHERE m.session_id = @SessionId AND m.active {(before is null ? string.Empty : "AND (m.created_at, m.id) < (@At, @ItemId)")}
                ORDER BY m.created_at DESC, m.id DESC
                LIMIT @Take) recent
            ORDER BY created_at, id
            """,
            new { SessionId = sessionId, Take = count, At = before?.CreatedAt, ItemId = before?.Id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return await ToMessagesAsync(conn, tx, rows.AsList(), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The rows as messages, with the attachments of those that have some read in one statement, and only when one
    /// does: a message's count is on its row, so a page without attachments (nearly every page) costs no second statement
    /// and no per-row subquery (a correlated subquery in the message columns made every read about 8 % slower).
    /// </summary>
    public static async Task<List<ChatMessage>> ToMessagesAsync(
        NpgsqlConnection conn, IDbTransaction? tx, IReadOnlyList<MessageRow> rows, CancellationToken ct)
    {
        var messages = new List<ChatMessage>(rows.Count);
        messages.AddRange(rows.Select(r => r.ToMessage()));
        var ids = rows.Where(r => r.AttachmentCount > 0).Select(r => r.Id).ToArray();
        if (ids.Length == 0)
        {
            return messages;
        }

        var attachments = (await conn.QueryAsync<AttachmentStore.AttachmentRow>(new CommandDefinition(
            $"SELECT {AttachmentStore.Columns} FROM attachments WHERE message_id = ANY(@Ids) ORDER BY message_id, position",
            new { Ids = ids }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToLookup(a => a.MessageId);
        for (var i = 0; i < messages.Count; i++)
        {
            if (rows[i].AttachmentCount > 0)
            {
                messages[i] = messages[i] with { Attachments = attachments[messages[i].Id].Select(a => a.ToAttachment()).ToList() };
            }
        }

        return messages;
    }

    /// <summary>
    /// Inserts the session unless its user already holds <paramref name="max"/> (0 = no cap), inside the caller's transaction;
    /// creates of one user are serialised for the rest of it, so the count cannot be raced.
    /// </summary>
    public static async Task<bool> TryInsertSessionAsync(
        NpgsqlConnection conn, IDbTransaction tx, ChatSession session, bool autoTitle, int max, CancellationToken ct)
    {
        await conn.ExecuteAsync(new CommandDefinition(
            $"SELECT {UserLocks.Sessions}",
            new { session.UserId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO sessions (id, user_id, title, auto_title, created_at, updated_at, message_count)
            SELECT @Id, @UserId, @Title, @AutoTitle, @CreatedAt, @UpdatedAt, 0
            WHERE @Max = 0 OR (SELECT count(*) FROM sessions WHERE user_id = @UserId) < @Max
            """,
            new { session.Id, session.UserId, session.Title, AutoTitle = autoTitle, session.CreatedAt, session.UpdatedAt, Max = max },
            tx,
            cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>Rows were read one past the limit; drop the extra and return the cursor of the last kept row.</summary>
    public static string? TrimPage<T>(List<T> rows, int? limit, Func<T, string> cursorOf)
    {
        if (limit is not { } take || rows.Count <= take)
        {
            return null;
        }

        rows.RemoveRange(take, rows.Count - take);
        return cursorOf(rows[^1]);
    }

    public class SessionRow
    {
        public Guid Id { get; init; }

        public string UserId { get; init; } = string.Empty;

        public string Title { get; init; } = string.Empty;

        public DateTime CreatedAt { get; init; }

        public DateTime UpdatedAt { get; init; }

        public int MessageCount { get; init; }

        public bool Owned { get; init; } = true;

        public Guid? ActiveRunId { get; init; }

        public DateTime? ActiveRunStartedAt { get; init; }

        public bool ActiveRunBackground { get; init; }

        /// <summary>Whether any message of the session has a sibling (an edit or a retry kept the old branch).</summary>
        public bool Branched { get; init; }

        public ChatSession ToSession() => new(
            Id, UserId, Title, Utc(CreatedAt), Utc(UpdatedAt), MessageCount,
            ActiveRunId is { } run ? new ActiveRun(run, Utc(ActiveRunStartedAt ?? CreatedAt), ActiveRunBackground) : null);
    }

    /// <summary>A session's usage summed over its model calls.</summary>
    public sealed class UsageTotalsRow
    {
        public long PromptTotal { get; init; }

        public long CompletionTotal { get; init; }

        public long TokensTotal { get; init; }

        public decimal CostTotal { get; init; }

        public UsageTotals ToTotals() => new(PromptTotal, CompletionTotal, TokensTotal, CostTotal);
    }

    public sealed class MessageRow
    {
        public Guid Id { get; init; }

        public Guid SessionId { get; init; }

        public string Role { get; init; } = string.Empty;

        public string Content { get; init; } = "[]";

        public string? ToolCalls { get; init; }

        public string Status { get; init; } = string.Empty;

        public DateTime CreatedAt { get; init; }

        public string? Model { get; init; }

        public int? PromptTokens { get; init; }

        public int? CompletionTokens { get; init; }

        public int? TotalTokens { get; init; }

        public string? ToolCallId { get; init; }

        public string? Feedback { get; init; }

        public bool Stopped { get; init; }

        public string? QuotedText { get; init; }

        public string? ToolChoice { get; init; }

        /// <summary>How many attachments the message was sent with; <see cref="ToMessagesAsync"/> reads them.</summary>
        public short AttachmentCount { get; init; }

        /// <summary>The message this one follows in its branch; null on a row written before branches and not linked yet.</summary>
        public Guid? ParentId { get; init; }

        public ChatMessage ToMessage() => new(
            Id,
            SessionId,
            Role switch
            {
                "user" => MessageRole.User,
                "assistant" => MessageRole.Assistant,
                "note" => MessageRole.Note,
                _ => MessageRole.Tool,
            },
            JsonSerializer.Deserialize<List<ContentPart>>(Content, Json) ?? [],
            ToolCalls is null ? null : JsonSerializer.Deserialize<List<ToolCall>>(ToolCalls, Json),
            Status == "incomplete" ? MessageStatus.Incomplete : MessageStatus.Completed,
            Utc(CreatedAt),
            Model,
            TotalTokens is null ? null : new TokenUsage(PromptTokens ?? 0, CompletionTokens ?? 0, TotalTokens.Value),
            ToolCallId,
            Feedback switch
            {
                "positive" => MessageFeedback.Positive,
                "negative" => MessageFeedback.Negative,
                _ => null,
            })
        {
            Stopped = Stopped,
            QuotedText = QuotedText,
            ToolChoice = ToolChoice,
            ParentId = ParentId,
        };
    }

    public static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
