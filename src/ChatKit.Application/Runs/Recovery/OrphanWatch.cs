using ChatKit.Application.Runs.Execution;

namespace ChatKit.Application.Runs.Recovery;

/// <summary>
/// Whether a dead instance's run holds its session until a survivor takes it over, and the nudge that makes this instance
/// look for it now instead of at its next round (ADR-023). With a shared event log every lapsed run is taken over, so a
/// send meeting one is refused (<c>RUN_IN_PROGRESS</c>) rather than start a turn that would lose the reply clients
/// watched; without one only the dead instance itself, restarted, can take it, so the session is free once the claim lapses.
/// </summary>
public sealed class OrphanWatch(IRunEventLog log)
{
    private TaskCompletionSource _nudged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool OrphansWait => log.Shared;

    /// <summary>A start met an orphaned run: the recovery loop looks now.</summary>
    public void Nudge() => Volatile.Read(ref _nudged).TrySetResult();

    /// <summary>Waits until <paramref name="interval"/> has passed or a start nudged.</summary>
    public async Task WaitAsync(TimeSpan interval, TimeProvider clock, CancellationToken ct)
    {
        var nudged = Volatile.Read(ref _nudged);
        try
        {
            await nudged.Task.WaitAsync(interval, clock, ct).ConfigureAwait(false);
            Interlocked.CompareExchange(ref _nudged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), nudged);
        }
        catch (TimeoutException)
        {
            // The round is due.
        }
    }
}
