using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Tasks;

public sealed record CreateTaskCommand(string UserId, TaskDraft Draft) : ICommand<Result<TaskDto>>;

public sealed class CreateTaskHandler(TaskService tasks) : ICommandHandler<CreateTaskCommand, Result<TaskDto>>
{
    public async ValueTask<Result<TaskDto>> Handle(CreateTaskCommand command, CancellationToken cancellationToken) =>
        (await tasks.AddAsync(command.UserId, command.Draft, cancellationToken).ConfigureAwait(false)).Map(TaskDto.From);
}
