using ChatKit.Api.Options;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Execution;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Streaming;

/// <summary>Attaches responses to runs: the one place a door turns a run into a stream.</summary>
public sealed class RunStreams(RunHost runs, IRunEventLog log, ITurnStore turns, IOptions<StreamingSettings> streaming, IOptions<RunOptions> options)
{
    /// <summary>
    /// Attaches the response of the request that started the run, from its first event: its client hanging up stops a
    /// foreground run (a background one goes on).
    /// </summary>
    public ServerSentEventsResult AttachStarter(Guid runId, ServerSentEventsResult.Framing framing) =>
        new(runId, log.ReadAsync(runId, 0, CancellationToken.None), 0, Ping, framing, () => runs.Detached(runId));

    /// <summary>
    /// Attaches a response to a run after event <paramref name="after"/>; hanging up leaves the run alone. A client that
    /// already has the ended run's <c>[DONE]</c> (its id is the one after the last event) gets no event and no new id.
    /// </summary>
    public ServerSentEventsResult Attach(RunInfo run, long after, ServerSentEventsResult.Framing framing) =>
        run.Ended && after > run.LastEventId
            ? new(run.RunId, AsyncEnumerable.Empty<RunEventRecord>(), after, Ping, framing) { DoneSent = true }
            : new(run.RunId, log.ReadAsync(run.RunId, after, CancellationToken.None), after, Ping, framing) { Watch = WatchOf(run) };

    /// <summary>
    /// A resume watches that some instance still runs the run: its instance may have died, and if no survivor takes it
    /// over (ADR-023), the stream ends saying so within <c>RUN_CLAIM_SECONDS</c> + 10 s instead of hanging.
    /// </summary>
    private RunWatch WatchOf(RunInfo run)
    {
        var every = TimeSpan.FromSeconds(Math.Clamp(options.Value.ClaimSeconds / 4.0, 1, 5));
        return new RunWatch(
            ct => turns.ClaimStateAsync(run.SessionId, run.RunId, ct),
            every,
            TimeSpan.FromSeconds(10) - every);
    }

    private TimeSpan Ping => TimeSpan.FromSeconds(streaming.Value.PingSeconds);
}
