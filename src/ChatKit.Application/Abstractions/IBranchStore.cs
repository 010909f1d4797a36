namespace ChatKit.Application.Abstractions;

/// <summary>How an activation ended.</summary>
public enum ActivateOutcome
{
    Activated,
    SessionNotFound,
    Forbidden,
    MessageNotFound,
    RunInProgress,
}

/// <summary>Switching a session to another of its branches (ADR-027).</summary>
public interface IBranchStore
{
    /// <summary>
    /// Makes the branch through the message the session's active one, in one transaction under the session's lock; refused
    /// while a run holds the session (its reply would land on a branch the user no longer sees).
    /// </summary>
    Task<ActivateOutcome> ActivateAsync(Guid sessionId, string userId, Guid messageId, CancellationToken ct);
}
