using ChatKit.Application.Behaviors;
using ChatKit.Application.Common;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Tasks;

public sealed record UpdateTaskCommand(string UserId, string TaskId, TaskChanges Changes) : ICommand<Result<TaskDto>>;

/// <summary>Each field given, by the one rule set (the first broken rule, naming its field).</summary>
public sealed class UpdateTaskValidator : AbstractValidator<UpdateTaskCommand>
{
    public UpdateTaskValidator() =>
        RuleFor(c => c.Changes).Custom((changes, context) =>
        {
            if (TaskService.Check(changes) is { } error)
            {
                context.AddFieldFailure(error.Field, error.Message);
            }
        });
}

public sealed class UpdateTaskHandler(TaskService tasks) : ICommandHandler<UpdateTaskCommand, Result<TaskDto>>
{
    public async ValueTask<Result<TaskDto>> Handle(UpdateTaskCommand command, CancellationToken cancellationToken) =>
        (await tasks.UpdateAsync(command.UserId, command.TaskId, command.Changes, cancellationToken).ConfigureAwait(false)).Map(TaskDto.From);
}
