using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.Recovery;
using ChatKit.Application.Runs.ThreadStream;
using Microsoft.Extensions.Logging;

namespace ChatKit.Application.Runs.Execution;

/// <summary>
/// Without a shared event log, what a run's open reply has streamed is written to PostgreSQL every
/// <c>RUN_CHECKPOINT_SECONDS</c> while it changes (one write in flight at a time), so an instance that dies loses at
/// most that much of what its clients saw: the instance that recovers the run stores the checkpoint.
/// </summary>
internal sealed partial class RunCheckpointer : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SeenText _seen = new();
    private readonly ITurnStore _store;
    private readonly ILogger _logger;
    private readonly Guid _runId;
    private readonly Guid _sessionId;
    private readonly ITimer _timer;
    private Task _writing = Task.CompletedTask;

    public RunCheckpointer(ITurnStore store, TimeProvider clock, TimeSpan every, Guid runId, Guid sessionId, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _store = store;
        _logger = logger;
        _runId = runId;
        _sessionId = sessionId;
        _timer = clock.CreateTimer(_ => Flush(), null, every, every);
    }

    public void Observe(RunEvent e)
    {
        lock (_gate)
        {
            _seen.Observe(e);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Flush()
    {
        RunCheckpoint checkpoint;
        lock (_gate)
        {
            if (!_seen.Changed || _seen.ItemId is not { } item || !_writing.IsCompleted)
            {
                return;
            }

            _seen.Take();
            checkpoint = new RunCheckpoint(_runId, _sessionId, item, _seen.Text);
            _writing = WriteAsync(checkpoint);
        }
    }

    private async Task WriteAsync(RunCheckpoint checkpoint)
    {
        try
        {
            await _store.SaveCheckpointAsync(checkpoint, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The next tick tries again; the run itself is never held up by its checkpoints.
            LogCheckpointFailed(_logger, checkpoint.SessionId, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not checkpoint the run on session {SessionId} ({Reason})")]
    private static partial void LogCheckpointFailed(ILogger logger, Guid sessionId, string reason);
}
