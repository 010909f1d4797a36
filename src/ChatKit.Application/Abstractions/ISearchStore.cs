namespace ChatKit.Application.Abstractions;

/// <summary>What a search looks in.</summary>
[Flags]
public enum SearchScope
{
    Messages = 1,
    Tasks = 2,
}

/// <summary>How a hit matched: the full-text query, or the similarity fallback when that found nothing.</summary>
public enum SearchMatch
{
    FullText,
    Similar,
}

/// <summary>
/// One hit, newest first. <paramref name="MarkedSnippet"/> is the matched text with each match between the private
/// markers <see cref="SearchHitRow.MarkStart"/> and <see cref="SearchHitRow.MarkEnd"/>, and <c>&lt;</c>, <c>&gt;</c>,
/// <c>&amp;</c> carried as <see cref="SearchHitRow.Lt"/>, <see cref="SearchHitRow.Gt"/>, <see cref="SearchHitRow.Amp"/>
/// (so the database's headline parser sees no markup); the caller escapes and marks it.
/// </summary>
public sealed record SearchHitRow(
    string Kind, Guid Id, DateTime CreatedAt, Guid? SessionId, string? Title, string? Role, string MarkedSnippet, SearchMatch Match)
{
    public const char MarkStart = '\u0001';
    public const char MarkEnd = '\u0002';
    public const char Lt = '\u0003';
    public const char Gt = '\u0004';
    public const char Amp = '\u0005';
}

/// <summary>Full-text search over one user's messages and tasks (PostgreSQL; the user id is in every statement's WHERE).</summary>
public interface ISearchStore
{
    /// <summary>
    /// At most <paramref name="take"/> hits of <paramref name="userId"/> newest first, before the keyset
    /// (<paramref name="beforeAt"/>, <paramref name="beforeId"/>) when given. When the full-text query finds nothing on a
    /// first page and the server has <c>pg_trgm</c>, the caller's recent messages similar to <paramref name="q"/> instead.
    /// </summary>
    Task<IReadOnlyList<SearchHitRow>> SearchAsync(
        string userId, string q, SearchScope scope, int take, DateTime? beforeAt, Guid? beforeId, CancellationToken ct);
}
