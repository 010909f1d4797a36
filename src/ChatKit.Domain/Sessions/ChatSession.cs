namespace ChatKit.Domain.Sessions;

public sealed record ChatSession(
    Guid Id,
    string UserId,
    string Title,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    int MessageCount,
    ActiveRun? ActiveRun = null);

/// <summary>The run going on in a session (its claim), so a reloaded page knows what to reattach to.</summary>
public sealed record ActiveRun(Guid Id, DateTime StartedAt, bool Background);
