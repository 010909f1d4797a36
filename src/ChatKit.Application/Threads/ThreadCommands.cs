using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Sessions;
using ChatKit.Application.Sessions.RenameSession;
using ChatKit.Domain.Sessions;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Threads;

/// <summary><c>threads.create</c>: a new session and its first turn in one request; the run's events open with <c>thread.created</c>.
/// Answers the run's id.</summary>
public sealed record CreateThreadCommand(string UserId, string Text) : ICommand<Result<Guid>>;

public sealed class CreateThreadValidator : AbstractValidator<CreateThreadCommand>
{
    public CreateThreadValidator(IOptions<LimitsOptions> limits)
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        this.MessageTextRules(c => c.Text, limits.Value.MaxMessageLength);
    }
}

public sealed class CreateThreadHandler(TurnStarter turns, TimeProvider clock) : ICommandHandler<CreateThreadCommand, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(CreateThreadCommand command, CancellationToken cancellationToken)
    {
        var now = SessionRules.ToStoragePrecision(clock.GetUtcNow());
        var session = new ChatSession(Guid.CreateVersion7(), command.UserId, SessionRules.DefaultTitle, now, now, 0);

        // The session is created in the turn's own transaction: a refused turn (budget, cost cap) leaves none behind.
        return await turns.StartAsync(command.UserId, session.Id.ToString(), null, command.Text, cancellationToken, newSession: session)
            .ConfigureAwait(false);
    }
}

/// <summary><c>threads.retry_after_item</c>: the turn runs again from one of the thread's user messages. Answers the run's id.</summary>
public sealed record RetryAfterItemCommand(string UserId, string ThreadId, string ItemId) : ICommand<Result<Guid>>;

public sealed class RetryAfterItemHandler(TurnStarter turns) : ICommandHandler<RetryAfterItemCommand, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(RetryAfterItemCommand command, CancellationToken cancellationToken) =>
        await turns.RetryAsync(command.UserId, command.ThreadId, command.ItemId, cancellationToken).ConfigureAwait(false);
}

/// <summary><c>threads.update</c>: renames the thread (the title then no longer follows the first message).</summary>
public sealed record RenameThreadCommand(string UserId, string ThreadId, string? Title) : ICommand<Result<ThreadInfo>>;

public sealed class RenameThreadValidator : AbstractValidator<RenameThreadCommand>
{
    public RenameThreadValidator()
    {
        RuleFor(c => c.Title).RequiredTitle();
    }
}

public sealed class RenameThreadHandler(ISessionStore store) : ICommandHandler<RenameThreadCommand, Result<ThreadInfo>>
{
    public async ValueTask<Result<ThreadInfo>> Handle(RenameThreadCommand command, CancellationToken cancellationToken)
    {
        var session = await RenameSessionHandler.RenameAsync(store, command.UserId, command.ThreadId, command.Title!, cancellationToken)
            .ConfigureAwait(false);
        return session.IsSuccess ? ThreadInfo.From(session.Value) : session.Error!;
    }
}

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
