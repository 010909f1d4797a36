using ChatKit.Application.Common;
using ChatKit.Application.Runs.StartRun;
using Mediator;

namespace ChatKit.Application.Threads;

/// <summary>
/// <c>threads.add_client_tool_output</c>: the browser's answer to the client tool call the thread waits on; the turn goes on
/// from that step. <c>409 NO_PENDING_TOOL_CALL</c> when none waits. Answers the run's id.
/// </summary>
/// <param name="ResultJson">The result as the client sent it (any JSON), sent upstream under the call's id.</param>
public sealed record AddClientToolOutputCommand(string UserId, string ThreadId, string ResultJson) : ICommand<Result<Guid>>;

public sealed class AddClientToolOutputHandler(TurnStarter turns) : ICommandHandler<AddClientToolOutputCommand, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(AddClientToolOutputCommand command, CancellationToken cancellationToken) =>
        await turns.ContinueAsync(command.UserId, command.ThreadId, command.ResultJson, cancellationToken).ConfigureAwait(false);
}
