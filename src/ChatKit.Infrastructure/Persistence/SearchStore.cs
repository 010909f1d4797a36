using ChatKit.Application.Abstractions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// Search on PostgreSQL alone (ADR-026): <c>websearch_to_tsquery</c> against the messages' <c>search</c> vectors through
/// the GIN index on <c>(user_id, search)</c>, tasks' words on the fly (a user's tasks are capped and indexed by user), a
/// page of keys first and headlines only for that page. The user id is in every WHERE, and a message's session is joined
/// with the same user id.
/// </summary>
internal sealed class SearchStore(NpgsqlDataSource dataSource) : ISearchStore
{
    /// <summary>How many of the caller's most recent messages the similarity fallback reads (it has no index to use).</summary>
    private const int SimilarWindow = 5000;

    /// <summary>How much of a message the similarity fallback compares (word_similarity's cost grows with the text's length).</summary>
    private const int SimilarPrefix = 4000;

    /// <summary>
    /// A search that takes longer is cancelled and answered 503 with <c>Retry-After</c> (its own log line): one user's
    /// pathological text must not hold a connection for everyone's half minute.
    /// </summary>
    private const int TimeoutSeconds = 5;

    /// <summary>pg_trgm's word similarity a fallback hit needs (its own operator's 0.6 missed one-letter typos of 7-letter words).</summary>
    private const string SimilarEnough = "0.5";

    // The text as the headline parser must see it: <, > and & moved to private characters (it would take them for
    // markup and drop them), the private characters themselves removed from the user's text first.
    private const string Headline =
        "ts_headline({0}, websearch_to_tsquery(@Q), " +
        "'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=24, MinWords=8, ShortWord=0')";

    private const string Unmarked = "translate({0}, '<>&' || chr(1) || chr(2) || chr(3) || chr(4) || chr(5), chr(3) || chr(4) || chr(5))";

    /// <summary>What a task is found by, and shown with: its title, description and tags.</summary>
    private const string TaskWords = "t.title || '. ' || t.description || ' ' || array_to_string(t.tags, ' ')";

    private static readonly string MessageText = string.Format(null, Unmarked, "message_search_text(m.role, m.content)");
    private static readonly string TaskText = string.Format(null, Unmarked, TaskWords);

    private bool? _hasTrigrams;

    public async Task<IReadOnlyList<SearchHitRow>> SearchAsync(
        string userId, string q, SearchScope scope, int take, DateTime? beforeAt, Guid? beforeId, CancellationToken ct)
    {
        var before = beforeAt is null ? string.Empty : "AND ({0}.created_at, {0}.id) < (@BeforeAt, @BeforeId)";
        var parts = new List<string>(2);
        if (scope.HasFlag(SearchScope.Messages))
        {
            parts.Add($"""
                (SELECT 'message' AS kind, m.id, m.created_at FROM messages m
                 WHERE m.user_id = @UserId AND m.search @@ websearch_to_tsquery(@Q) {string.Format(null, before, "m")}
                 ORDER BY m.created_at DESC, m.id DESC LIMIT @Take)
                """);
        }

        if (scope.HasFlag(SearchScope.Tasks))
        {
            parts.Add($"""
                (SELECT 'task' AS kind, t.id, t.created_at FROM tasks t
                 WHERE t.user_id = @UserId
                   AND to_tsvector(translate({TaskWords}, '<>', '  ')) @@ websearch_to_tsquery(@Q)
                   {string.Format(null, before, "t")}
                 ORDER BY t.created_at DESC, t.id DESC LIMIT @Take)
                """);
        }

        var sql = $"""
            WITH hits AS (SELECT * FROM ({string.Join(" UNION ALL ", parts)}) found ORDER BY created_at DESC, id DESC LIMIT @Take)
            SELECT h.kind, h.id, h.created_at, m.session_id, coalesce(s.title, t.title) AS title, m.role,
                   CASE WHEN h.kind = 'message' THEN {string.Format(null, Headline, MessageText)}
                        ELSE {string.Format(null, Headline, TaskText)} END AS snippet
            FROM hits h
            LEFT JOIN messages m ON h.kind = 'message' AND m.id = h.id
            LEFT JOIN sessions s ON s.id = m.session_id AND s.user_id = @UserId
            LEFT JOIN tasks t ON h.kind = 'task' AND t.id = h.id AND t.user_id = @UserId
            WHERE s.id IS NOT NULL OR t.id IS NOT NULL
            ORDER BY h.created_at DESC, h.id DESC
            """;
        var args = new { UserId = userId, Q = q, Take = take, BeforeAt = beforeAt, BeforeId = beforeId };
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = (await conn.QueryAsync<HitRow>(new CommandDefinition(sql, args, commandTimeout: TimeoutSeconds, cancellationToken: ct)).ConfigureAwait(false)).AsList();
        if (rows.Count > 0 || beforeAt is not null || !scope.HasFlag(SearchScope.Messages) || !await HasTrigramsAsync(conn, ct).ConfigureAwait(false))
        {
            return rows.Select(r => r.ToHit(SearchMatch.FullText)).ToList();
        }

        // Nothing matched the words as written: a typo, or a word too short to stem. The caller's recent messages whose
        // words are similar (pg_trgm's word similarity), newest first, one page.
        var similar = await conn.QueryAsync<HitRow>(new CommandDefinition(
            $"""
            SELECT 'message' AS kind, m.id, m.created_at, m.session_id, s.title, m.role, left({MessageText}, 240) AS snippet
            FROM (SELECT id, created_at, session_id, role, content FROM messages
                  WHERE user_id = @UserId AND role IN ('user', 'assistant')
                  ORDER BY created_at DESC, id DESC LIMIT {SimilarWindow}) m
            JOIN sessions s ON s.id = m.session_id AND s.user_id = @UserId
            WHERE word_similarity(@Q, left(message_search_text(m.role, m.content), {SimilarPrefix})) >= {SimilarEnough}
            ORDER BY m.created_at DESC, m.id DESC LIMIT @Take
            """,
            args,
            commandTimeout: TimeoutSeconds,
            cancellationToken: ct)).ConfigureAwait(false);
        return similar.Select(r => r.ToHit(SearchMatch.Similar)).ToList();
    }

    /// <summary>Whether the server has <c>pg_trgm</c> (the migration creates it where it can); asked once.</summary>
    private async Task<bool> HasTrigramsAsync(NpgsqlConnection conn, CancellationToken ct) =>
        _hasTrigrams ??= await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')", cancellationToken: ct)).ConfigureAwait(false);

    internal sealed class HitRow
    {
        public string Kind { get; init; } = string.Empty;

        public Guid Id { get; init; }

        public DateTime CreatedAt { get; init; }

        public Guid? SessionId { get; init; }

        public string? Title { get; init; }

        public string? Role { get; init; }

        public string? Snippet { get; init; }

        public SearchHitRow ToHit(SearchMatch match) =>
            new(Kind, Id, Rows.Utc(CreatedAt), SessionId, Title, Role, Snippet ?? string.Empty, match);
    }
}
