using ChatKit.Application.Runs.StartRun;

namespace ChatKit.Application.Runs.Execution;

/// <summary>What the use cases that start turns need of the <see cref="RunHost"/>.</summary>
public interface IRunHost
{
    /// <summary>Starts executing the turn; answers its run id (its claim on the session).</summary>
    Guid Start(TurnStream turn);

    /// <summary>Executes a run a dead instance started: its events go on in its log after <see cref="RunInfo.LastEventId"/>.</summary>
    Guid Adopt(TurnStream turn, RunInfo run);

    /// <summary>
    /// Lets a new send wait for the run it would otherwise be refused for, when that run is ending: a UI whose Stop aborts
    /// the fetch sends again at once, and its old run needs a few milliseconds to store the reply cut short and free the
    /// session. When this instance runs a foreground run of the session whose client is gone (or goes within a moment),
    /// waits until it has ended, at most <paramref name="max"/>; true when it ended, so starting again can succeed.
    /// </summary>
    Task<bool> WaitForEndingRunAsync(Guid sessionId, TimeSpan max, CancellationToken ct);
}
