using ChatKit.Api.Hosting;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.StartRun;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Streaming;

/// <summary>Starts runs and attaches responses to them: the one place a door turns a run into a stream.</summary>
public sealed class RunStreams(RunHost runs, IRunEventLog log, IOptions<StreamingSettings> streaming)
{
    /// <summary>Hands the turn to the run host and attaches this response from its first event.</summary>
    public ServerSentEventsResult Start(TurnStream turn, bool background, ServerSentEventsResult.Framing framing)
    {
        var runId = runs.Start(turn, background);
        return new ServerSentEventsResult(runId, log.ReadAsync(runId, 0, CancellationToken.None), 0, Ping, framing, () => runs.Detached(runId));
    }

    /// <summary>
    /// Attaches a response to a run after event <paramref name="after"/>; hanging up leaves the run alone. A client that
    /// already has the ended run's <c>[DONE]</c> (its id is the one after the last event) gets no event and no new id.
    /// </summary>
    public ServerSentEventsResult Attach(RunInfo run, long after, ServerSentEventsResult.Framing framing) =>
        run.Ended && after > run.LastEventId
            ? new(run.RunId, AsyncEnumerable.Empty<RunEventRecord>(), after, Ping, framing) { DoneSent = true }
            : new(run.RunId, log.ReadAsync(run.RunId, after, CancellationToken.None), after, Ping, framing);

    private TimeSpan Ping => TimeSpan.FromSeconds(streaming.Value.PingSeconds);
}
