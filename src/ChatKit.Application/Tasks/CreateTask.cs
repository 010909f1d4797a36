using ChatKit.Application.Behaviors;
using ChatKit.Application.Common;
using ChatKit.Domain.Tasks;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Tasks;

public sealed record CreateTaskCommand(string UserId, TaskDraft Draft) : ICommand<Result<TaskDto>>;

/// <summary>The task's fields by the one rule set (the first broken rule, naming its field).</summary>
public sealed class CreateTaskValidator : AbstractValidator<CreateTaskCommand>
{
    public CreateTaskValidator() =>
        RuleFor(c => c.Draft).Custom((draft, context) =>
        {
            if ((TaskRules.Title(draft.Title, out _) ?? TaskRules.Description(draft.Description, out _)
                 ?? TaskRules.Priority(draft.Priority, out _) ?? TaskRules.Tags(draft.Tags, out _)) is { } error)
            {
                context.AddFieldFailure(error.Field, error.Message);
            }
        });
}

public sealed class CreateTaskHandler(TaskService tasks) : ICommandHandler<CreateTaskCommand, Result<TaskDto>>
{
    public async ValueTask<Result<TaskDto>> Handle(CreateTaskCommand command, CancellationToken cancellationToken) =>
        (await tasks.AddAsync(command.UserId, command.Draft, cancellationToken).ConfigureAwait(false)).Map(TaskDto.From);
}
