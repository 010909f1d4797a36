using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Abstractions;

public enum SessionAccess
{
    NotFound,
    Forbidden,
    Owned,
}

public sealed record SessionLookup(SessionAccess Access, ChatSession? Session);

public enum BeginTurnOutcome
{
    Started,
    NotFound,
    MessageLimit,
    RunInProgress,
}

/// <param name="UserMessage">The message to commit.</param>
/// <param name="ClaimId">Identifies this run's claim on the session, so only it can renew or release the claim.</param>
/// <param name="ClaimLength">How long the claim lasts if it is not renewed (a crashed instance frees the session then).</param>
public sealed record BeginTurn(
    string UserId,
    ChatMessage UserMessage,
    int MaxMessagesPerSession,
    Guid ClaimId,
    TimeSpan ClaimLength,
    string? TitleIfFirst);

public sealed record BeginTurnResult(BeginTurnOutcome Outcome, ChatSession? Session, bool TitleChanged);

/// <summary>A page of sessions, newest activity first, and the cursor of the next one.</summary>
public sealed record SessionPage(IReadOnlyList<ChatSession> Items, int Total, string? NextCursor);

public sealed record MessagePage(IReadOnlyList<ChatMessage> Items, string? NextCursor);

/// <summary>
/// Storage of sessions and their messages. Every method that reads or changes a user's data takes the
/// user id and enforces ownership in its SQL.
/// </summary>
public interface ISessionStore
{
    /// <summary>Creates the session unless the user already holds <paramref name="maxSessionsPerUser"/> (0 = no cap).</summary>
    Task<bool> TryCreateAsync(ChatSession session, bool autoTitle, int maxSessionsPerUser, CancellationToken ct);

    Task<SessionLookup> FindAsync(Guid sessionId, string userId, CancellationToken ct);

    Task<SessionPage> ListAsync(string userId, int? limit, string? after, CancellationToken ct);

    Task<MessagePage> GetMessagesAsync(Guid sessionId, string userId, int? limit, string? after, CancellationToken ct);

    /// <summary>The most recent messages of the session, oldest first, at most <paramref name="maxCount"/>, excluding one id.</summary>
    Task<IReadOnlyList<ChatMessage>> GetRecentMessagesAsync(Guid sessionId, int maxCount, Guid excludeId, CancellationToken ct);

    Task<SessionAccess> DeleteAsync(Guid sessionId, string userId, CancellationToken ct);

    /// <summary>In one transaction: checks the message cap and the run claim, stores the user message, claims the session.</summary>
    Task<BeginTurnResult> BeginTurnAsync(BeginTurn turn, CancellationToken ct);

    Task<bool> RenewRunClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, CancellationToken ct);

    /// <summary>Stores the assistant reply and releases the claim, in one transaction; a no-op if the session was deleted.</summary>
    Task CompleteTurnAsync(Guid sessionId, Guid claimId, ChatMessage reply, CancellationToken ct);

    Task ReleaseRunClaimAsync(Guid sessionId, Guid claimId, CancellationToken ct);
}
