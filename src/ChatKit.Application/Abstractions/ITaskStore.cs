using ChatKit.Application.Common;
using ChatKit.Domain.Tasks;

namespace ChatKit.Application.Abstractions;

public enum TaskSort
{
    CreatedAt,
    UpdatedAt,
    Priority,
    Title,
}

/// <summary>Which of a user's tasks to read. Keyset paging (<see cref="After"/>) applies to the default order, newest first.</summary>
public sealed record TaskQuery(
    TaskStatusFilter Status = TaskStatusFilter.All,
    string? Keyword = null,
    string? Tag = null,
    TaskPriority? Priority = null,
    TaskSort SortBy = TaskSort.CreatedAt,
    bool Descending = true,
    int? Limit = null,
    string? After = null);

public sealed record TaskPage(IReadOnlyList<TaskItem> Items, int Total, string? NextCursor);

public sealed record TagCount(string Tag, int Count);

/// <summary>A user's tasks. Every method takes the user id and filters on it in its SQL.</summary>
public interface ITaskStore
{
    Task<TaskItem?> GetAsync(Guid taskId, string userId, CancellationToken ct);

    /// <summary>Adds the task unless its user already holds <paramref name="maxPerUser"/> (0 = no cap); safe under concurrent adds.</summary>
    Task<bool> TryAddAsync(TaskItem task, int maxPerUser, CancellationToken ct);

    /// <summary>
    /// Locks the user's task, hands what is stored now to <paramref name="change"/> and stores its result in the same
    /// transaction (nothing when it fails); null when there is no such task of the user's.
    /// </summary>
    Task<Result<TaskItem>?> UpdateAsync(Guid taskId, string userId, Func<TaskItem, Result<TaskItem>> change, CancellationToken ct);

    Task<bool> DeleteAsync(Guid taskId, string userId, CancellationToken ct);

    Task<TaskPage> ListAsync(string userId, TaskQuery query, CancellationToken ct);

    Task<IReadOnlyList<TagCount>> ListTagsAsync(string userId, CancellationToken ct);
}
