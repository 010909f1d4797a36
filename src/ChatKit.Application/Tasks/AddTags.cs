using ChatKit.Application.Behaviors;
using ChatKit.Application.Common;
using ChatKit.Domain.Tasks;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Tasks;

/// <summary>Adds tags to a task (those it has already are kept once); at most 10 in all.</summary>
public sealed record AddTagsCommand(string UserId, string TaskId, IReadOnlyList<string?> Tags) : ICommand<Result<TaskDto>>;

/// <summary>Each tag's shape; the total, which depends on the task as stored, is checked under its row lock.</summary>
public sealed class AddTagsValidator : AbstractValidator<AddTagsCommand>
{
    public AddTagsValidator() =>
        RuleFor(c => c.Tags).Custom((tags, context) =>
        {
            if (TaskRules.Tags(tags, out _) is { } error)
            {
                context.AddFieldFailure(error.Field, error.Message);
            }
        });
}

public sealed class AddTagsHandler(TaskService tasks) : ICommandHandler<AddTagsCommand, Result<TaskDto>>
{
    public async ValueTask<Result<TaskDto>> Handle(AddTagsCommand command, CancellationToken cancellationToken) =>
        (await tasks.AddTagsAsync(command.UserId, command.TaskId, command.Tags, cancellationToken).ConfigureAwait(false)).Map(TaskDto.From);
}
