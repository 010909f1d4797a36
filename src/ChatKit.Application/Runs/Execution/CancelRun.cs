using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Runs.Execution;

public sealed record CancelledRunDto(bool Cancelled, Guid RunId);

/// <summary>
/// Stops a run from anywhere: the session is freed for a new run at once (its claim released here), and the instance
/// that runs the run closes the upstream, stores the partial reply and ends every attached stream.
/// </summary>
public sealed record CancelRunCommand(string UserId, string SessionId, string RunId) : ICommand<Result<CancelledRunDto>>;

public sealed class CancelRunHandler(ISessionStore sessions, ITurnStore turns, IRunEventLog log, RunHost runs)
    : ICommandHandler<CancelRunCommand, Result<CancelledRunDto>>
{
    public async ValueTask<Result<CancelledRunDto>> Handle(CancelRunCommand command, CancellationToken cancellationToken)
    {
        var run = await SessionRun.FindAsync(sessions, log, command.UserId, command.SessionId, command.RunId, cancellationToken).ConfigureAwait(false);
        if (!run.IsSuccess)
        {
            return run.Error!;
        }

        if (run.Value.Ended)
        {
            return Errors.RunNotActive(command.RunId);
        }

        await turns.ReleaseRunClaimAsync(run.Value.SessionId, run.Value.RunId, cancellationToken).ConfigureAwait(false);
        await runs.RequestCancelAsync(run.Value.RunId).ConfigureAwait(false);
        return new CancelledRunDto(true, run.Value.RunId);
    }
}
