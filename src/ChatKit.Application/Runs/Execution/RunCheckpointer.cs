using System.Collections.Concurrent;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Recovery;
using ChatKit.Application.Runs.ThreadStream;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Runs.Execution;

/// <summary>
/// Without a shared event log, what the open replies of this instance's runs have streamed is written to PostgreSQL every
/// <c>RUN_CHECKPOINT_SECONDS</c>: all the runs whose text changed, in one statement (one round trip a tick, however many
/// runs stream), one write in flight at a time. An instance that dies loses at most that much of what its clients saw;
/// the instance that recovers the run stores the checkpoint (ADR-023).
/// </summary>
public sealed partial class RunCheckpointer : IDisposable
{
    private readonly ConcurrentDictionary<Guid, Tracked> _runs = new();
    private readonly ITurnStore _store;
    private readonly ILogger<RunCheckpointer> _logger;
    private readonly ITimer _timer;
    private int _writing;

    public RunCheckpointer(ITurnStore store, IOptions<RunOptions> options, TimeProvider clock, ILogger<RunCheckpointer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        _store = store;
        _logger = logger;
        var every = TimeSpan.FromSeconds(options.Value.CheckpointSeconds);
        _timer = clock.CreateTimer(_ => _ = FlushAsync(), null, every, every);
    }

    /// <summary>Follows a run's events until <see cref="Forget"/>.</summary>
    public void Track(Guid runId, Guid sessionId) => _runs[runId] = new Tracked(sessionId);

    public void Observe(Guid runId, RunEvent e)
    {
        if (_runs.TryGetValue(runId, out var run))
        {
            lock (run)
            {
                run.Seen.Observe(e);
            }
        }
    }

    public void Forget(Guid runId) => _runs.TryRemove(runId, out _);

    public void Dispose() => _timer.Dispose();

    private async Task FlushAsync()
    {
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            return; // the previous tick's write is still going
        }

        try
        {
            var changed = new List<RunCheckpoint>();
            foreach (var (runId, run) in _runs)
            {
                lock (run)
                {
                    if (run.Seen.Changed && run.Seen.ItemId is { } item)
                    {
                        run.Seen.Take();
                        changed.Add(new RunCheckpoint(runId, run.SessionId, item, run.Seen.Text));
                    }
                }
            }

            if (changed.Count > 0)
            {
                await _store.SaveCheckpointsAsync(changed, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The next tick tries again (with the text as it then is); runs are never held up by their checkpoints.
            LogCheckpointFailed(_logger, ex.GetType().Name);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not checkpoint the streaming replies ({Reason}); the next tick tries again")]
    private static partial void LogCheckpointFailed(ILogger logger, string reason);

    private sealed class Tracked(Guid sessionId)
    {
        public Guid SessionId { get; } = sessionId;

        public SeenText Seen { get; } = new();
    }
}
