namespace ChatKit.Domain.Sessions;

public sealed record ChatSession(
    Guid Id,
    string UserId,
    string Title,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    int MessageCount);
