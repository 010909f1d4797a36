using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Abstractions;

public enum SessionAccess
{
    NotFound,
    Forbidden,
    Owned,
}

public sealed record SessionLookup(SessionAccess Access, ChatSession? Session);

/// <summary>A session as <see cref="ISessionStore.FindAsync"/> reads it, with its usage totals and a page of its messages (when owned).</summary>
public sealed record SessionDetail(SessionLookup Lookup, UsageTotals Usage, MessagePage Messages);

/// <summary>A page of sessions, newest activity first, and the cursor of the next one.</summary>
public sealed record SessionPage(IReadOnlyList<ChatSession> Items, int Total, string? NextCursor);

/// <summary>
/// Storage of sessions themselves. Every method that reads or changes a user's data takes the user id and
/// enforces ownership in its SQL.
/// </summary>
public interface ISessionStore
{
    /// <summary>Creates the session unless the user already holds <paramref name="maxSessionsPerUser"/> (0 = no cap).</summary>
    Task<bool> TryCreateAsync(ChatSession session, bool autoTitle, int maxSessionsPerUser, CancellationToken ct);

    Task<SessionLookup> FindAsync(Guid sessionId, string userId, CancellationToken ct);

    /// <summary>
    /// What <c>GET /sessions/{id}</c> shows, in one statement: the session (or why not), its usage totals, and its messages
    /// oldest first after the cursor <paramref name="after"/>, at most <paramref name="limit"/> (all when null).
    /// </summary>
    Task<SessionDetail> ReadDetailAsync(Guid sessionId, string userId, int? limit, string? after, CancellationToken ct);

    Task<SessionPage> ListAsync(string userId, int? limit, string? after, CancellationToken ct);

    Task<SessionAccess> DeleteAsync(Guid sessionId, string userId, CancellationToken ct);

    /// <summary>
    /// The user's sessions by creation time, at most <paramref name="take"/>, after the session <paramref name="after"/>
    /// (a keyset cursor; an id that is not one of the user's sessions yields nothing).
    /// </summary>
    Task<IReadOnlyList<ChatSession>> ListByCreationAsync(string userId, int take, bool descending, Guid? after, CancellationToken ct);

    /// <summary>Sets the title (and stops titling it from the first message); the session as it now is, or why not.</summary>
    Task<SessionLookup> RenameAsync(Guid sessionId, string userId, string title, CancellationToken ct);
}
