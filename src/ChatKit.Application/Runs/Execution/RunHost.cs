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
public sealed partial class RunHost : IRunHost
{
    /// <summary>How long a new send waits for the hang-up of the run before it to be noticed (it may arrive first).</summary>
    private static readonly TimeSpan HangUpNotice = TimeSpan.FromMilliseconds(150);

    private readonly ConcurrentDictionary<Guid, LocalRun> _runs = new();
    private readonly IRunEventLog _log;
    private readonly IRunSignals _signals;
    private readonly TimeProvider _clock;
    private readonly ILogger<RunHost> _logger;
    private volatile bool _stopping;

    private readonly RunCheckpointer _checkpoints;

    public RunHost(IRunEventLog log, IRunSignals signals, RunCheckpointer checkpoints, TimeProvider clock, RunMetrics metrics, ILogger<RunHost> logger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _checkpoints = checkpoints;
        _log = log;
        _signals = signals;
        _clock = clock;
        _logger = logger;
        metrics.ObserveActiveRuns(() => _runs.Count);
    }

    /// <summary>Starts executing the turn; its run id is its claim on the session.</summary>
    public Guid Start(TurnStream turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return Execute(turn, () => _log.Open(new RunInfo(turn.RunId, turn.SessionId, turn.UserId, SessionRules.ToStoragePrecision(_clock.GetUtcNow()), turn.Background)));
    }

    /// <summary>
    /// Executes a run a dead instance started (a takeover): its events go on in the same log, numbered after
    /// <see cref="RunInfo.LastEventId"/> of <paramref name="run"/>.
    /// </summary>
    public Guid Adopt(TurnStream turn, RunInfo run)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return Execute(turn, () => _log.Adopt(run));
    }

    private Guid Execute(TurnStream turn, Action openLog)
    {
        var id = turn.RunId;
        var local = new LocalRun(turn.SessionId, turn.Background);
        _runs[id] = local;
        openLog();
        if (_stopping)
        {
            local.Stop();
        }

        var checkpoints = _log.Shared ? null : _checkpoints;
        checkpoints?.Track(id, turn.SessionId);
        _ = Task.Run(() => ExecuteAsync(id, turn.Events, local, checkpoints));
        return id;
    }

    /// <summary>
    /// The instance is going away. Runs here get <paramref name="drain"/> to end by themselves; those still going then end
    /// in order (their reply so far stored <c>incomplete</c>, their streams told why and closed). A run that starts while
    /// this instance stops ends at once the same way. Completes when all have ended, or when <paramref name="ct"/> gives up.
    /// </summary>
    public async Task StopAllAsync(TimeSpan drain, CancellationToken ct)
    {
        _stopping = true;
        var running = _runs.Values.ToList();
        var allEnded = Task.WhenAll(running.Select(r => r.Ended));
        try
        {
            try
            {
                await allEnded.WaitAsync(drain, _clock, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                var left = running.Where(r => !r.Ended.IsCompleted).ToList();
                LogStoppingRuns(_logger, left.Count, drain.TotalSeconds);
                foreach (var run in left)
                {
                    run.Stop();
                }

                await allEnded.WaitAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            LogStopTimedOut(_logger, _runs.Count);
        }
    }

    /// <summary>The client that started a foreground run is gone: the run stops at once (a background run goes on).</summary>
    public void Detached(Guid runId)
    {
        if (_runs.TryGetValue(runId, out var run) && !run.Background)
        {
            run.RequestCancel();
        }
    }

    public async Task<bool> WaitForEndingRunAsync(Guid sessionId, TimeSpan max, CancellationToken ct)
    {
        if (_runs.Values.FirstOrDefault(r => r.SessionId == sessionId && !r.Background) is not { } run)
        {
            return false;
        }

        try
        {
            if (!run.CancelRequested.IsCompleted)
            {
                await Task.WhenAny(run.CancelRequested, run.Ended).WaitAsync(HangUpNotice, _clock, ct).ConfigureAwait(false);
            }

            await run.Ended.WaitAsync(max, _clock, ct).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false; // its client is still there (another tab), or it is slow to end: the caller answers 409
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

    private async Task ExecuteAsync(Guid id, IAsyncEnumerable<RunEvent> events, LocalRun run, RunCheckpointer? checkpoints)
    {
        try
        {
            // Cancelling the token makes the turn end early but in order: it still closes its items and stores its reply.
            await foreach (var e in events.WithCancellation(run.Token).ConfigureAwait(false))
            {
                _log.Append(id, ThreadStreamJson.Serialize(e));
                checkpoints?.Observe(id, e);
            }
        }
        catch (Exception ex)
        {
            // The turn itself has ended by now (its enumerator disposed: reply stored, claim released); its streams are told.
            LogRunCrashed(_logger, ex, id);
            _log.Append(id, Crashed);
        }
        finally
        {
            if (run.Stopped)
            {
                _log.Append(id, Stopped);
            }

            checkpoints?.Forget(id);
            _log.Complete(id);
            _runs.TryRemove(id, out _);
            run.Dispose();
        }
    }

    private static readonly byte[] Crashed = ThreadStreamJson.Serialize(new StreamErrorEvent(TurnRunner.GenericFailure));

    private static readonly byte[] Stopped = ThreadStreamJson.Serialize(
        new StreamErrorEvent("The service is restarting. Your message and the reply so far are stored; send it again in a moment."));

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} stopped on an unexpected error")]
    private static partial void LogRunCrashed(ILogger logger, Exception ex, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: {Count} runs still going after {DrainSeconds} s are ended now, their replies so far stored")]
    private static partial void LogStoppingRuns(ILogger logger, int count, double drainSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: {Count} runs had not ended when the shutdown timeout came")]
    private static partial void LogStopTimedOut(ILogger logger, int count);

    private sealed class LocalRun(Guid sessionId, bool background) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _cancelRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _disposed;

        public Guid SessionId { get; } = sessionId;

        public bool Background { get; } = background;

        /// <summary>Completes when the run is asked to stop (its client gone, a cancel, the instance stopping).</summary>
        public Task CancelRequested => _cancelRequested.Task;

        public CancellationToken Token => _cancel.Token;

        /// <summary>Ended by the instance stopping (not by a client or a cancel request).</summary>
        public bool Stopped { get; private set; }

        public Task Ended => _ended.Task;

        public void Stop()
        {
            Stopped = true;
            RequestCancel();
        }

        public void RequestCancel()
        {
            _cancelRequested.TrySetResult();
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
                _ended.TrySetResult();
            }
        }
    }
}
