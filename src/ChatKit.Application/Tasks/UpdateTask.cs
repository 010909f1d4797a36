using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Tasks;

public sealed record UpdateTaskCommand(string UserId, string TaskId, TaskChanges Changes) : ICommand<Result<TaskDto>>;

public sealed class UpdateTaskHandler(TaskService tasks) : ICommandHandler<UpdateTaskCommand, Result<TaskDto>>
{
    public async ValueTask<Result<TaskDto>> Handle(UpdateTaskCommand command, CancellationToken cancellationToken) =>
        (await tasks.UpdateAsync(command.UserId, command.TaskId, command.Changes, cancellationToken).ConfigureAwait(false)).Map(TaskDto.From);
}
