using ChatKit.Domain.Tasks;

namespace ChatKit.Application.Tasks;

public sealed record TaskDto(
    Guid Id, string Title, string Description, bool Completed, string Priority, IReadOnlyList<string> Tags, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static TaskDto From(TaskItem t) =>
        new(t.Id, t.Title, t.Description, t.Completed, TaskRules.Name(t.Priority), t.Tags, t.CreatedAt, t.UpdatedAt);
}

public sealed record DeletedTaskDto(bool Deleted, Guid TaskId);
