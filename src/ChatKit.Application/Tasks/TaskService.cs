using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Tasks;

namespace ChatKit.Application.Tasks;

/// <summary>A new task as asked for; the rules decide what is stored.</summary>
public sealed record TaskDraft(string? Title, string? Description = null, string? Priority = null, IReadOnlyList<string?>? Tags = null);

/// <summary>What to change on a task; null leaves a field as it is.</summary>
public sealed record TaskChanges(
    string? Title = null, string? Description = null, string? Priority = null, bool? Completed = null, IReadOnlyList<string?>? Tags = null);

/// <summary>
/// Every change to a user's tasks, behind the task commands that the REST endpoints, the assistant's tools and the
/// widget actions all send (validated in the pipeline by the same rules this applies). A task id that is not a UUID,
/// does not exist or is someone else's is the same 404.
/// </summary>
public sealed class TaskService(ITaskStore store, TimeProvider clock, Plans.PlanCatalog plans)
{
    public async Task<Result<TaskItem>> AddAsync(string userId, TaskDraft draft, CancellationToken ct)
    {
        var titleError = TaskRules.Title(draft.Title, out var title);
        var descriptionError = TaskRules.Description(draft.Description, out var description);
        var priorityError = TaskRules.Priority(draft.Priority, out var priority);
        var tagsError = TaskRules.Tags(draft.Tags, out var tags);
        if ((titleError ?? descriptionError ?? priorityError ?? tagsError) is { } error)
        {
            return Errors.Invalid(error.Field, error.Message);
        }

        var now = SessionRules.ToStoragePrecision(clock.GetUtcNow());
        var task = new TaskItem(Guid.CreateVersion7(), userId, title, description, false, priority, tags, now, now);
        var max = plans.Current.MaxTasks;
        return await store.TryAddAsync(task, max, ct).ConfigureAwait(false) ? task : Errors.TaskLimit(max);
    }

    public async Task<Result<TaskItem>> GetAsync(string userId, string rawId, CancellationToken ct) =>
        PathId.Parse(rawId, Errors.TaskNotFound) is { IsSuccess: true } id && await store.GetAsync(id.Value, userId, ct).ConfigureAwait(false) is { } task
            ? task
            : Errors.TaskNotFound(rawId);

    public Task<Result<TaskItem>> UpdateAsync(string userId, string rawId, TaskChanges changes, CancellationToken ct) =>
        ChangeAsync(userId, rawId, task => Apply(changes, ref task) is { } error ? Errors.Invalid(error.Field, error.Message) : task, ct);

    /// <summary>The first broken rule of the changes, as the pipeline checks them before anything is read.</summary>
    public static TaskFieldError? Check(TaskChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var probe = new TaskItem(Guid.Empty, string.Empty, string.Empty, string.Empty, false, TaskPriority.Medium, [], default, default);
        return Apply(changes, ref probe);
    }

    public Task<Result<TaskItem>> AddTagsAsync(string userId, string rawId, IReadOnlyList<string?> added, CancellationToken ct) =>
        ChangeAsync(
            userId,
            rawId,
            task => TaskRules.AddTags(task.Tags, added, out var tags) is { } error ? Errors.Invalid(error.Field, error.Message) : task with { Tags = tags },
            ct);

    public Task<Result<TaskItem>> RemoveTagsAsync(string userId, string rawId, IReadOnlyList<string?> removed, CancellationToken ct) =>
        ChangeAsync(userId, rawId, task => task with { Tags = TaskRules.RemoveTags(task.Tags, removed) }, ct);

    public async Task<Result<Guid>> DeleteAsync(string userId, string rawId, CancellationToken ct) =>
        PathId.Parse(rawId, Errors.TaskNotFound) is { IsSuccess: true } id && await store.DeleteAsync(id.Value, userId, ct).ConfigureAwait(false)
            ? id.Value
            : Errors.TaskNotFound(rawId);

    public Task<TaskPage> ListAsync(string userId, TaskQuery query, CancellationToken ct) => store.ListAsync(userId, query, ct);

    public Task<IReadOnlyList<TagCount>> ListTagsAsync(string userId, CancellationToken ct) => store.ListTagsAsync(userId, ct);

    /// <summary>
    /// Applies <paramref name="change"/> to the task as it is stored now, under the row's lock, so changes made at the same
    /// moment by the REST API, the assistant and MCP each see the one before (ADR-016); a broken rule stores nothing.
    /// </summary>
    private async Task<Result<TaskItem>> ChangeAsync(string userId, string rawId, Func<TaskItem, Result<TaskItem>> change, CancellationToken ct)
    {
        var id = PathId.Parse(rawId, Errors.TaskNotFound);
        if (!id.IsSuccess)
        {
            return id.Error!;
        }

        var updatedAt = SessionRules.ToStoragePrecision(clock.GetUtcNow());
        var changed = await store.UpdateAsync(id.Value, userId, current => change(current).Map(task => task with
        {
            UpdatedAt = updatedAt > current.UpdatedAt ? updatedAt : current.UpdatedAt.AddTicks(10),
        }), ct).ConfigureAwait(false);
        return changed ?? Errors.TaskNotFound(rawId);
    }

    /// <summary>Applies each given change in turn; the first broken rule stops it.</summary>
    private static TaskFieldError? Apply(TaskChanges changes, ref TaskItem task)
    {
        if (changes.Title is not null)
        {
            if (TaskRules.Title(changes.Title, out var title) is { } error)
            {
                return error;
            }

            task = task with { Title = title };
        }

        if (changes.Description is not null)
        {
            if (TaskRules.Description(changes.Description, out var description) is { } error)
            {
                return error;
            }

            task = task with { Description = description };
        }

        if (changes.Priority is not null)
        {
            if (TaskRules.Priority(changes.Priority, out var priority) is { } error)
            {
                return error;
            }

            task = task with { Priority = priority };
        }

        if (changes.Tags is not null)
        {
            if (TaskRules.Tags(changes.Tags, out var tags) is { } error)
            {
                return error;
            }

            task = task with { Tags = tags };
        }

        task = task with { Completed = changes.Completed ?? task.Completed };
        return null;
    }
}
