using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Abstractions;

public enum SessionAccess
{
    NotFound,
    Forbidden,
    Owned,
}

public sealed record SessionLookup(SessionAccess Access, ChatSession? Session);

/// <summary>How starting a turn ended, in the contract's order of checks after validation.</summary>
public enum BeginTurnOutcome
{
    Started,
    NotFound,
    Forbidden,
    ThreadNotFound,
    MessageLimit,
    RunInProgress,
}

/// <param name="UserMessage">The message to commit (its session id is the session to start the turn in).</param>
/// <param name="ThreadMatches">Whether the path's thread id is the session's (checked after ownership, as the contract orders).</param>
/// <param name="HistoryCount">How many of the session's most recent earlier messages to read for the prompt.</param>
/// <param name="ClaimId">Identifies this run's claim on the session, so only it can renew or release the claim.</param>
/// <param name="ClaimLength">How long the claim lasts if it is not renewed (a crashed instance frees the session then).</param>
public sealed record BeginTurn(
    string UserId,
    ChatMessage UserMessage,
    int MaxMessagesPerSession,
    Guid ClaimId,
    TimeSpan ClaimLength,
    string? TitleIfFirst,
    bool ThreadMatches,
    int HistoryCount);

/// <param name="History">The most recent earlier messages, oldest first, read in the same transaction.</param>
public sealed record BeginTurnResult(BeginTurnOutcome Outcome, ChatSession? Session, bool TitleChanged, IReadOnlyList<ChatMessage> History)
{
    public static BeginTurnResult Refused(BeginTurnOutcome outcome) => new(outcome, null, false, []);
}

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

    Task<SessionAccess> DeleteAsync(Guid sessionId, string userId, CancellationToken ct);

    /// <summary>
    /// In one transaction on one connection: finds and locks the session, checks owner, thread, message cap and
    /// run claim, reads the recent history for the prompt, stores the user message and claims the session.
    /// </summary>
    Task<BeginTurnResult> BeginTurnAsync(BeginTurn turn, CancellationToken ct);

    Task<bool> RenewRunClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, CancellationToken ct);

    /// <summary>Stores the assistant reply and releases the claim, in one transaction; a no-op if the session was deleted.</summary>
    Task CompleteTurnAsync(Guid sessionId, Guid claimId, ChatMessage reply, CancellationToken ct);

    Task ReleaseRunClaimAsync(Guid sessionId, Guid claimId, CancellationToken ct);
}
