using System.Data;
using System.Text.Json;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// Dapper over one <see cref="NpgsqlDataSource"/>. Each method opens and closes its own connection, passes
/// the caller's token to every command, and puts the user id into the SQL of anything that reads or
/// changes a user's data.
/// </summary>
internal sealed class SessionStore(NpgsqlDataSource dataSource) : ISessionStore
{
    private const string SessionColumns = "id, user_id, title, created_at, updated_at, message_count";

    private const string MessageColumns =
        "m.id, m.session_id, m.role, m.content::text AS content, m.tool_calls::text AS tool_calls, m.status, m.created_at, " +
        "m.model, m.prompt_tokens, m.completion_tokens, m.total_tokens";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    static SessionStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public async Task<bool> TryCreateAsync(ChatSession session, bool autoTitle, int maxSessionsPerUser, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        // Serialises creates per user for the rest of the transaction, so the count below cannot be raced.
        await conn.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended('sessions:' || @UserId, 0))",
            new { session.UserId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var inserted = await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO sessions (id, user_id, title, auto_title, created_at, updated_at, message_count)
            SELECT @Id, @UserId, @Title, @AutoTitle, @CreatedAt, @UpdatedAt, 0
            WHERE @Max = 0 OR (SELECT count(*) FROM sessions WHERE user_id = @UserId) < @Max
            """,
            new { session.Id, session.UserId, session.Title, AutoTitle = autoTitle, session.CreatedAt, session.UpdatedAt, Max = maxSessionsPerUser },
            tx,
            cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return inserted == 1;
    }

    public async Task<SessionLookup> FindAsync(Guid sessionId, string userId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(
            $"SELECT {SessionColumns}, user_id = @UserId AS owned FROM sessions WHERE id = @Id",
            new { Id = sessionId, UserId = userId },
            cancellationToken: ct)).ConfigureAwait(false);
        return row switch
        {
            null => new SessionLookup(SessionAccess.NotFound, null),
            { Owned: false } => new SessionLookup(SessionAccess.Forbidden, null),
            _ => new SessionLookup(SessionAccess.Owned, row.ToSession()),
        };
    }

    public async Task<SessionPage> ListAsync(string userId, int? limit, string? after, CancellationToken ct)
    {
        var hasCursor = PagingRules.TryDecode(after, out var afterAt, out var afterId);
        var sql =
            $"""
            SELECT count(*) FROM sessions WHERE user_id = @UserId;
            SELECT {SessionColumns} FROM sessions
            WHERE user_id = @UserId {(hasCursor ? "AND (updated_at, id) < (@AfterAt, @AfterId)" : string.Empty)}
            ORDER BY updated_at DESC, id DESC
            {(limit is null ? string.Empty : "LIMIT @Take")}
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            sql, new { UserId = userId, AfterAt = afterAt, AfterId = afterId, Take = limit + 1 }, cancellationToken: ct))
            .ConfigureAwait(false);
        var total = await grid.ReadSingleAsync<long>().ConfigureAwait(false);
        var rows = (await grid.ReadAsync<SessionRow>().ConfigureAwait(false)).Select(r => r.ToSession()).ToList();
        var next = TrimPage(rows, limit, s => PagingRules.Encode(s.UpdatedAt, s.Id));
        return new SessionPage(rows, (int)total, next);
    }

    public async Task<MessagePage> GetMessagesAsync(Guid sessionId, string userId, int? limit, string? after, CancellationToken ct)
    {
        var hasCursor = PagingRules.TryDecode(after, out var afterAt, out var afterId);
        var sql =
            $"""
            SELECT {MessageColumns}
            FROM messages m JOIN sessions s ON s.id = m.session_id AND s.user_id = @UserId
            WHERE m.session_id = @SessionId {(hasCursor ? "AND (m.created_at, m.id) > (@AfterAt, @AfterId)" : string.Empty)}
            ORDER BY m.created_at, m.id
            {(limit is null ? string.Empty : "LIMIT @Take")}
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = (await conn.QueryAsync<MessageRow>(new CommandDefinition(
                sql, new { SessionId = sessionId, UserId = userId, AfterAt = afterAt, AfterId = afterId, Take = limit + 1 },
                cancellationToken: ct)).ConfigureAwait(false))
            .Select(r => r.ToMessage()).ToList();
        var next = TrimPage(rows, limit, m => PagingRules.Encode(m.CreatedAt, m.Id));
        return new MessagePage(rows, next);
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

    public async Task<BeginTurnResult> BeginTurnAsync(BeginTurn turn, CancellationToken ct)
    {
        var message = turn.UserMessage;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var current = await conn.QuerySingleOrDefaultAsync<TurnRow>(new CommandDefinition(
            """
            SELECT user_id = @UserId AS owned, message_count, auto_title, title,
                   run_claimed_until IS NOT NULL AND run_claimed_until > clock_timestamp() AS busy
            FROM sessions WHERE id = @Id FOR UPDATE
            """,
            new { Id = message.SessionId, turn.UserId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var refusal = current switch
        {
            null => BeginTurnOutcome.NotFound,
            { Owned: false } => BeginTurnOutcome.Forbidden,
            _ when !turn.ThreadMatches => BeginTurnOutcome.ThreadNotFound,
            { MessageCount: var count } when count >= turn.MaxMessagesPerSession => BeginTurnOutcome.MessageLimit,
            { Busy: true } => BeginTurnOutcome.RunInProgress,
            _ => BeginTurnOutcome.Started,
        };
        if (refusal != BeginTurnOutcome.Started)
        {
            return BeginTurnResult.Refused(refusal);
        }

        var history = turn.HistoryCount <= 0
            ? []
            : (await conn.QueryAsync<MessageRow>(new CommandDefinition(
                $"""
                SELECT * FROM (
                    SELECT {MessageColumns} FROM messages m
                    WHERE m.session_id = @SessionId
                    ORDER BY m.created_at DESC, m.id DESC
                    LIMIT @Take) recent
                ORDER BY created_at, id
                """,
                new { message.SessionId, Take = turn.HistoryCount }, tx, cancellationToken: ct)).ConfigureAwait(false))
            .Select(r => r.ToMessage()).ToList();
        var renames = current!.AutoTitle && current.MessageCount == 0 && turn.TitleIfFirst is not null;
        await InsertMessageAsync(conn, tx, message, ct).ConfigureAwait(false);
        var session = await conn.QuerySingleAsync<SessionRow>(new CommandDefinition(
            $"""
            UPDATE sessions
            SET message_count = message_count + 1,
                updated_at = GREATEST(updated_at, @Now),
                title = CASE WHEN @Rename THEN @Title ELSE title END,
                auto_title = auto_title AND NOT @Rename,
                run_claim_id = @ClaimId,
                run_claimed_until = clock_timestamp() + @ClaimLength
            WHERE id = @Id
            RETURNING {SessionColumns}
            """,
            new
            {
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
        return new BeginTurnResult(BeginTurnOutcome.Started, session.ToSession(), renames && current.Title != turn.TitleIfFirst, history);
    }

    public async Task<bool> RenewRunClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET run_claimed_until = clock_timestamp() + @ClaimLength WHERE id = @Id AND run_claim_id = @ClaimId",
            new { Id = sessionId, ClaimId = claimId, ClaimLength = claimLength },
            cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public async Task CompleteTurnAsync(Guid sessionId, Guid claimId, ChatMessage reply, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        // Locks the session row (or finds it gone: deleted while the reply streamed, and then there is nothing to store).
        var exists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = @Id FOR UPDATE)",
            new { Id = sessionId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (exists)
        {
            await InsertMessageAsync(conn, tx, reply, ct).ConfigureAwait(false);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE sessions
                SET message_count = message_count + 1,
                    updated_at = GREATEST(updated_at, @Now),
                    run_claimed_until = CASE WHEN run_claim_id = @ClaimId THEN NULL ELSE run_claimed_until END,
                    run_claim_id = CASE WHEN run_claim_id = @ClaimId THEN NULL ELSE run_claim_id END
                WHERE id = @Id
                """,
                new { Id = sessionId, Now = reply.CreatedAt, ClaimId = claimId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task ReleaseRunClaimAsync(Guid sessionId, Guid claimId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET run_claim_id = NULL, run_claimed_until = NULL WHERE id = @Id AND run_claim_id = @ClaimId",
            new { Id = sessionId, ClaimId = claimId },
            cancellationToken: ct)).ConfigureAwait(false);
    }

    private static Task InsertMessageAsync(NpgsqlConnection conn, IDbTransaction tx, ChatMessage m, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO messages (id, session_id, role, content, tool_calls, status, created_at,
                                  model, prompt_tokens, completion_tokens, total_tokens)
            VALUES (@Id, @SessionId, @Role, @Content::jsonb, @ToolCalls::jsonb, @Status, @CreatedAt,
                    @Model, @PromptTokens, @CompletionTokens, @TotalTokens)
            """,
            new
            {
                m.Id,
                m.SessionId,
                Role = m.Role.ToString().ToLowerInvariant(),
                Content = JsonSerializer.Serialize(m.Content, Json),
                ToolCalls = m.ToolCalls is null ? null : JsonSerializer.Serialize(m.ToolCalls, Json),
                Status = m.Status.ToString().ToLowerInvariant(),
                m.CreatedAt,
                m.Model,
                m.Usage?.PromptTokens,
                m.Usage?.CompletionTokens,
                m.Usage?.TotalTokens,
            },
            tx,
            cancellationToken: ct));

    /// <summary>Rows were read one past the limit; drop the extra and return the cursor of the last kept row.</summary>
    private static string? TrimPage<T>(List<T> rows, int? limit, Func<T, string> cursorOf)
    {
        if (limit is not { } take || rows.Count <= take)
        {
            return null;
        }

        rows.RemoveRange(take, rows.Count - take);
        return cursorOf(rows[^1]);
    }

    private sealed class SessionRow
    {
        public Guid Id { get; init; }

        public string UserId { get; init; } = string.Empty;

        public string Title { get; init; } = string.Empty;

        public DateTime CreatedAt { get; init; }

        public DateTime UpdatedAt { get; init; }

        public int MessageCount { get; init; }

        public bool Owned { get; init; } = true;

        public ChatSession ToSession() => new(Id, UserId, Title, Utc(CreatedAt), Utc(UpdatedAt), MessageCount);
    }

    private sealed class TurnRow
    {
        public bool Owned { get; init; }

        public int MessageCount { get; init; }

        public bool AutoTitle { get; init; }

        public string Title { get; init; } = string.Empty;

        public bool Busy { get; init; }
    }

    private sealed class MessageRow
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

        public ChatMessage ToMessage() => new(
            Id,
            SessionId,
            Enum.Parse<MessageRole>(Role, ignoreCase: true),
            JsonSerializer.Deserialize<List<ContentPart>>(Content, Json) ?? [],
            ToolCalls is null ? null : JsonSerializer.Deserialize<List<ToolCall>>(ToolCalls, Json),
            Enum.Parse<MessageStatus>(Status, ignoreCase: true),
            Utc(CreatedAt),
            Model,
            TotalTokens is null ? null : new TokenUsage(PromptTokens ?? 0, CompletionTokens ?? 0, TotalTokens.Value));
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
