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

    public bool Shared => false;

    public void Open(RunInfo run) => _runs[run.RunId] = new RunBuffer(run, _options.MaxEventsPerRun);

    public void Adopt(RunInfo run) => _runs[run.RunId] = new RunBuffer(run, _options.MaxEventsPerRun, run.LastEventId + 1);

    /// <summary>Whether this process holds the run's events from the one after <paramref name="after"/> on.</summary>
    public bool Covers(Guid runId, long after) => _runs.TryGetValue(runId, out var buffer) && buffer.FirstHeld <= after + 1;

    public Task<IReadOnlyList<RunEventRecord>?> SnapshotAsync(Guid runId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<RunEventRecord>?>(_runs.TryGetValue(runId, out var buffer) ? buffer.After(buffer.FirstHeld - 1).Records : null);

    public void Append(Guid runId, ReadOnlyMemory<byte> json) => Append(runId, json, publish: true);

    /// <summary>
    /// Appends the run's next event; readers here get it once it is published (at once, or, with a shared log, once the
    /// shared log holds it: nobody sees an event a takeover could not find). Answers its number (0: no such run).
    /// </summary>
    public long Append(Guid runId, ReadOnlyMemory<byte> json, bool publish) =>
        _runs.TryGetValue(runId, out var buffer) ? buffer.Append(json, publish) : 0;

    /// <summary>The run's events up to <paramref name="upTo"/> may be read.</summary>
    public void Publish(Guid runId, long upTo)
    {
        if (_runs.TryGetValue(runId, out var buffer))
        {
            buffer.Publish(upTo);
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
        Task.FromResult(_runs.TryGetValue(runId, out var buffer) ? buffer.Info with { LastEventId = buffer.Published } : null);

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

    public Task<int> ForgetUserAsync(string userId, CancellationToken ct)
    {
        var forgotten = 0;
        foreach (var (id, buffer) in _runs)
        {
            if (buffer.Info.UserId == userId && buffer.EndedAt is not null && _runs.TryRemove(id, out _))
            {
                forgotten++;
            }
        }

        return Task.FromResult(forgotten);
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

    /// <param name="next">The number of the first event this buffer writes (after an adopted run's last).</param>
    private sealed class RunBuffer(RunInfo info, int cap, long next = 1)
    {
        private readonly Lock _gate = new();
        // Ids are contiguous, so the event after id n sits at index _head + n - FirstKept + 1: reads index, never scan.
        // Past the cap the oldest are skipped by moving _head; the list is compacted only once a tenth is skipped, so it
        // does not shift on every event, and exactly the last `cap` events stay readable.
        private readonly List<RunEventRecord> _events = [];
        private int _head;
        private long _next = next;
        private long _published = next - 1;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private RunInfo _info = info;

        public DateTimeOffset? EndedAt { get; private set; }

        /// <summary>The number of the oldest event this buffer holds (an adopted run's earlier ones are in the shared log).</summary>
        public long FirstHeld
        {
            get
            {
                lock (_gate)
                {
                    return _events.Count > _head ? _events[_head].Id : _next;
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

        /// <summary>The number of the last event readers may have (events after it wait for the shared log).</summary>
        public long Published
        {
            get
            {
                lock (_gate)
                {
                    return _published;
                }
            }
        }

        public void Publish(long upTo)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                if (upTo <= _published)
                {
                    return;
                }

                _published = Math.Min(upTo, _next - 1);
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
        }

        public long Append(ReadOnlyMemory<byte> json, bool publish)
        {
            TaskCompletionSource changed;
            long id;
            lock (_gate)
            {
                id = _next;
                _events.Add(new RunEventRecord(_next++, json));
                if (publish)
                {
                    _published = id;
                }
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
            return id;
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

                // Only what is published; the run counts as ended for a reader once its last event is.
                var start = _head + (int)Math.Min(_events.Count - _head, Math.Max(0, after + 1 - first));
                var end = _head + (int)Math.Min(_events.Count - _head, Math.Max(0, _published + 1 - first));
                return (start < end ? _events.GetRange(start, end - start) : [], _info.Ended && _published == _next - 1, _changed.Task);
            }
        }
    }
}
