using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Tasks;

public sealed record DeleteTaskCommand(string UserId, string TaskId) : ICommand<Result<DeletedTaskDto>>;

public sealed class DeleteTaskHandler(TaskService tasks) : ICommandHandler<DeleteTaskCommand, Result<DeletedTaskDto>>
{
    public async ValueTask<Result<DeletedTaskDto>> Handle(DeleteTaskCommand command, CancellationToken cancellationToken) =>
        (await tasks.DeleteAsync(command.UserId, command.TaskId, cancellationToken).ConfigureAwait(false)).Map(id => new DeletedTaskDto(true, id));
}
