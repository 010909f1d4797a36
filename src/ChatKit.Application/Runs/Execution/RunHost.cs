using System.Collections.Concurrent;
using ChatKit.Application.Runs.Engine;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Logging;

namespace ChatKit.Application.Runs.Execution;

/// <summary>
/// Executes runs: a run's work belongs to the service, not to the HTTP response that started it. Each run's events are
/// written, numbered, to the <see cref="IRunEventLog"/>, and responses attach to the log (the first one from event 1, a
/// resume from where it left off). A foreground run is cancelled when its first client hangs up; a background run goes
/// on without any client. A cancel request reaches the run here or, through <see cref="IRunSignals"/>, on the instance
/// that runs it.
/// </summary>
public sealed partial class RunHost
{
    private readonly ConcurrentDictionary<Guid, LocalRun> _runs = new();
    private readonly IRunEventLog _log;
    private readonly IRunSignals _signals;
    private readonly TimeProvider _clock;
    private readonly ILogger<RunHost> _logger;

    public RunHost(IRunEventLog log, IRunSignals signals, TimeProvider clock, RunMetrics metrics, ILogger<RunHost> logger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _log = log;
        _signals = signals;
        _clock = clock;
        _logger = logger;
        metrics.ObserveActiveRuns(() => _runs.Count);
    }

    /// <summary>Starts executing the turn; its run id is its claim on the session.</summary>
    public Guid Start(TurnStream turn, bool background)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var run = turn.Run;
        var id = run.ClaimId;
        var local = new LocalRun(background);
        _runs[id] = local;
        _log.Open(new RunInfo(id, run.Session.Id, run.Session.UserId, SessionRules.ToStoragePrecision(_clock.GetUtcNow()), background));
        _ = Task.Run(() => ExecuteAsync(id, turn.Events, local));
        return id;
    }

    /// <summary>The client that started a foreground run is gone: the run stops at once (a background run goes on).</summary>
    public void Detached(Guid runId)
    {
        if (_runs.TryGetValue(runId, out var run) && !run.Background)
        {
            run.RequestCancel();
        }
    }

    /// <summary>Cancels the run if this instance runs it; answers whether it did.</summary>
    public bool CancelLocal(Guid runId)
    {
        if (!_runs.TryGetValue(runId, out var run))
        {
            return false;
        }

        run.RequestCancel();
        return true;
    }

    /// <summary>Cancels the run here, or asks the instance that runs it to.</summary>
    public Task RequestCancelAsync(Guid runId) => CancelLocal(runId) ? Task.CompletedTask : _signals.RequestCancelAsync(runId);

    private async Task ExecuteAsync(Guid id, IAsyncEnumerable<RunEvent> events, LocalRun run)
    {
        try
        {
            // Cancelling the token makes the turn end early but in order: it still closes its items and stores its reply.
            await foreach (var e in events.WithCancellation(run.Token).ConfigureAwait(false))
            {
                _log.Append(id, ThreadStreamJson.Serialize(e));
            }
        }
        catch (Exception ex)
        {
            LogRunCrashed(_logger, ex, id);
        }
        finally
        {
            _log.Complete(id);
            _runs.TryRemove(id, out _);
            run.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} stopped on an unexpected error")]
    private static partial void LogRunCrashed(ILogger logger, Exception ex, Guid runId);

    private sealed class LocalRun(bool background) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private int _disposed;

        public bool Background { get; } = background;

        public CancellationToken Token => _cancel.Token;

        public void RequestCancel()
        {
            try
            {
                if (Volatile.Read(ref _disposed) == 0)
                {
                    _cancel.Cancel();
                }
            }
            catch (ObjectDisposedException)
            {
                // The run ended meanwhile: there is nothing left to cancel.
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _cancel.Dispose();
            }
        }
    }
}
