using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Execution;
using Microsoft.Extensions.Options;

namespace ChatKit.Infrastructure.Runs;

/// <summary>
/// Runs' events in this process: one buffer per run, capped at <see cref="RunEventOptions.MaxEventsPerRun"/> (the
/// oldest go first), dropped <see cref="RunEventOptions.TtlSeconds"/> after the run ended. Readers wait on a signal
/// that each append replaces, so a follower wakes at once and never polls.
/// </summary>
internal sealed class MemoryRunEventLog : IRunEventLog, IDisposable
{
    private readonly ConcurrentDictionary<Guid, RunBuffer> _runs = new();
    private readonly RunEventOptions _options;
    private readonly TimeProvider _clock;
    private readonly ITimer _sweep;

    public MemoryRunEventLog(IOptions<RunEventOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _sweep = clock.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
    }

    public int Count => _runs.Count;

    public bool Has(Guid runId) => _runs.ContainsKey(runId);

    /// <summary>The number of the run's latest event (0 before the first).</summary>
    public long LastId(Guid runId) => _runs.TryGetValue(runId, out var buffer) ? buffer.LastId : 0;

    public void Open(RunInfo run) => _runs[run.RunId] = new RunBuffer(run, _options.MaxEventsPerRun);

    public void Append(Guid runId, ReadOnlyMemory<byte> json)
    {
        if (_runs.TryGetValue(runId, out var buffer))
        {
            buffer.Append(json);
        }
    }

    public void Complete(Guid runId)
    {
        if (_runs.TryGetValue(runId, out var buffer))
        {
            buffer.Complete(_clock.GetUtcNow());
        }
    }

    public Task<RunInfo?> FindAsync(Guid runId, CancellationToken ct) =>
        Task.FromResult(_runs.TryGetValue(runId, out var buffer) ? buffer.Info with { LastEventId = buffer.LastId } : null);

    public async IAsyncEnumerable<RunEventRecord> ReadAsync(Guid runId, long after, [EnumeratorCancellation] CancellationToken ct)
    {
        if (!_runs.TryGetValue(runId, out var buffer))
        {
            yield break;
        }

        while (true)
        {
            var (records, ended, changed) = buffer.After(after);
            foreach (var record in records)
            {
                after = record.Id;
                yield return record;
            }

            if (ended && records.Count == 0)
            {
                yield break;
            }

            if (records.Count == 0)
            {
                await changed.WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private void Sweep()
    {
        var cutoff = _clock.GetUtcNow() - TimeSpan.FromSeconds(_options.TtlSeconds);
        foreach (var (id, buffer) in _runs)
        {
            if (buffer.EndedAt is { } ended && ended < cutoff)
            {
                _runs.TryRemove(id, out _);
            }
        }
    }

    public void Dispose() => _sweep.Dispose();

    private sealed class RunBuffer(RunInfo info, int cap)
    {
        private readonly Lock _gate = new();
        // Ids are contiguous, so the event after id n sits at index _head + n - FirstKept + 1: reads index, never scan.
        // Past the cap the oldest are skipped by moving _head; the list is compacted only once a tenth is skipped, so it
        // does not shift on every event, and exactly the last `cap` events stay readable.
        private readonly List<RunEventRecord> _events = [];
        private int _head;
        private long _next = 1;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private RunInfo _info = info;

        public DateTimeOffset? EndedAt { get; private set; }

        public long LastId
        {
            get
            {
                lock (_gate)
                {
                    return _next - 1;
                }
            }
        }

        public RunInfo Info
        {
            get
            {
                lock (_gate)
                {
                    return _info;
                }
            }
        }

        public void Append(ReadOnlyMemory<byte> json)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                _events.Add(new RunEventRecord(_next++, json));
                if (_events.Count - _head > cap)
                {
                    _head++;
                    if (_head >= Math.Max(1, cap / 10))
                    {
                        _events.RemoveRange(0, _head);
                        _head = 0;
                    }

                    _info = _info with { FirstKept = _events[_head].Id };
                }

                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
        }

        public void Complete(DateTimeOffset at)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                _info = _info with { Ended = true };
                EndedAt = at;
                changed = _changed;
            }

            changed.TrySetResult();
        }

        /// <summary>The kept events after <paramref name="after"/>, whether the run ended, and what to wait on for more.</summary>
        /// <exception cref="RunEventsTruncatedException">Some events after <paramref name="after"/> are gone.</exception>
        public (List<RunEventRecord> Records, bool Ended, Task Changed) After(long after)
        {
            lock (_gate)
            {
                var first = _events.Count > _head ? _events[_head].Id : _next;
                if (first > after + 1)
                {
                    throw new RunEventsTruncatedException();
                }

                var start = _head + (int)Math.Min(_events.Count - _head, Math.Max(0, after + 1 - first));
                return (_events.GetRange(start, _events.Count - start), _info.Ended, _changed.Task);
            }
        }
    }
}
