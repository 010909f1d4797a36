using ChatKit.Application.Common;
using ChatKit.Application.Runs.StartRun;
using Mediator;

namespace ChatKit.Application.Threads;

/// <summary><c>threads.retry_after_item</c>: the turn runs again from one of the thread's user messages. Answers the run's id.</summary>
public sealed record RetryAfterItemCommand(string UserId, string ThreadId, string ItemId) : ICommand<Result<Guid>>;

public sealed class RetryAfterItemHandler(TurnStarter turns) : ICommandHandler<RetryAfterItemCommand, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(RetryAfterItemCommand command, CancellationToken cancellationToken) =>
        await turns.RetryAsync(command.UserId, command.ThreadId, command.ItemId, cancellationToken).ConfigureAwait(false);
}
