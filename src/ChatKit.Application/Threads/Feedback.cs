using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Sessions;
using ChatKit.Domain.Sessions;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Threads;

/// <summary><c>items.feedback</c>: stores positive or negative feedback on assistant messages of the thread.</summary>
public sealed record FeedbackCommand(string UserId, string ThreadId, IReadOnlyList<string> ItemIds, MessageFeedback Feedback)
    : ICommand<Result<bool>>;

public sealed class FeedbackValidator : AbstractValidator<FeedbackCommand>
{
    public FeedbackValidator()
    {
        RuleFor(c => c.ItemIds).NotEmpty().WithMessage("item_ids must name at least one item")
            .Must(ids => ids.Count <= ThreadItems.MaxLimit).WithMessage($"item_ids may name at most {ThreadItems.MaxLimit} items");
    }
}

public sealed class FeedbackHandler(ISessionStore sessions, IMessageStore messages) : ICommandHandler<FeedbackCommand, Result<bool>>
{
    public async ValueTask<Result<bool>> Handle(FeedbackCommand command, CancellationToken cancellationToken)
    {
        var session = await OwnedSession.LoadAsync(sessions, command.ThreadId, command.UserId, cancellationToken).ConfigureAwait(false);
        if (!session.IsSuccess)
        {
            return session.Error!;
        }

        // A workflow item is its step's assistant message (one with tool calls); an id that is not one of the thread's
        // assistant messages, or a wf_ id of a message without a workflow, is refused.
        static Guid IdOf(string item) => Guid.TryParse(item.StartsWith("wf_", StringComparison.Ordinal) ? item[3..] : item, out var id) ? id : Guid.Empty;
        var ids = command.ItemIds.Select(IdOf).Distinct().ToList();
        var workflows = command.ItemIds.Where(i => i.StartsWith("wf_", StringComparison.Ordinal)).Select(IdOf).Distinct().ToList();
        var updated = await messages.SetFeedbackAsync(session.Value.Id, command.UserId, ids, workflows, command.Feedback, cancellationToken)
            .ConfigureAwait(false);
        return updated == ids.Count
            ? true
            : Errors.Invalid("item_ids", "every item must be an assistant message of the thread");
    }
}
