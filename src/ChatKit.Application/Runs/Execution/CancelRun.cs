using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Runs.Execution;

public sealed record CancelledRunDto(bool Cancelled, Guid RunId);

/// <summary>
/// Stops a run from anywhere: the instance that runs it closes the upstream, stores the partial reply, frees the session
/// and ends every attached stream, and the answer comes once it has (a few milliseconds). A run whose instance died is
/// ended by the survivor that takes it over (here, when its claim has lapsed already), with what clients saw stored; one
/// that already ended is <c>409 RUN_NOT_ACTIVE</c>.
/// </summary>
public sealed record CancelRunCommand(string UserId, string SessionId, string RunId) : ICommand<Result<CancelledRunDto>>;

public sealed class CancelRunHandler(ISessionStore sessions, ITurnStore turns, IRunEventLog log, RunHost runs, Recovery.RunRecovery recovery)
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

        // The truth about the run's instance: it ended the run (released), died (its claim lapsed: the cancel is carried out
        // here, storing what clients saw, unless a survivor took the run over first and is the one to stop it), or runs it.
        switch (await turns.ClaimStateAsync(run.Value.SessionId, run.Value.RunId, cancellationToken).ConfigureAwait(false))
        {
            case RunClaimState.Released:
                return Errors.RunNotActive(command.RunId);
            case RunClaimState.Lapsed
                when await recovery.RecoverAsync(new OrphanedRun(run.Value.SessionId, run.Value.RunId), false, cancel: true, cancellationToken).ConfigureAwait(false):
                return new CancelledRunDto(true, run.Value.RunId);
        }

        // A live instance stops the run at once and its last write frees the session. One that does not answer in time
        // is taken for dead: the cancel is recorded, and the survivor that takes the run over ends it instead of going on.
        await runs.RequestCancelAsync(run.Value.RunId).ConfigureAwait(false);
        if (!await EndsAsync(run.Value.RunId, run.Value.LastEventId, cancellationToken).ConfigureAwait(false))
        {
            await turns.RequestCancelAsync(run.Value.SessionId, run.Value.RunId, cancellationToken).ConfigureAwait(false);
        }

        return new CancelledRunDto(true, run.Value.RunId);
    }

    /// <summary>Whether the run's log ends within <see cref="EndWait"/> (a live instance stops a cancelled run in milliseconds).</summary>
    private async Task<bool> EndsAsync(Guid runId, long after, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(EndWait);
        try
        {
            await foreach (var _ in log.ReadAsync(runId, after, wait.Token).ConfigureAwait(false))
            {
            }

            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(3);
}
