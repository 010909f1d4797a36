using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Tasks;

/// <summary>Removes tags from a task (a tag it does not have is no error).</summary>
public sealed record RemoveTagsCommand(string UserId, string TaskId, IReadOnlyList<string?> Tags) : ICommand<Result<TaskDto>>;

public sealed class RemoveTagsHandler(TaskService tasks) : ICommandHandler<RemoveTagsCommand, Result<TaskDto>>
{
    public async ValueTask<Result<TaskDto>> Handle(RemoveTagsCommand command, CancellationToken cancellationToken) =>
        (await tasks.RemoveTagsAsync(command.UserId, command.TaskId, command.Tags, cancellationToken).ConfigureAwait(false)).Map(TaskDto.From);
}
