namespace ChatKit.Domain.Tasks;

public enum TaskPriority
{
    Low,
    Medium,
    High,
}

/// <summary>One of a user's tasks. Built only through <see cref="TaskRules"/>, so its fields always hold the rules.</summary>
public sealed record TaskItem(
    Guid Id,
    string UserId,
    string Title,
    string Description,
    bool Completed,
    TaskPriority Priority,
    IReadOnlyList<string> Tags,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>Which tasks a list asks for.</summary>
public enum TaskStatusFilter
{
    All,
    Pending,
    Completed,
}
