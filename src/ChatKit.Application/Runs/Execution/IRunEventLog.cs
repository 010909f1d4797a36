namespace ChatKit.Application.Runs.Execution;

/// <summary>One event of a run: its number within the run (1, 2, 3…) and its JSON, as first sent.</summary>
public sealed record RunEventRecord(long Id, ReadOnlyMemory<byte> Json);

/// <summary>What is known of a run apart from its events.</summary>
public sealed record RunInfo(Guid RunId, Guid SessionId, string UserId, DateTime StartedAt, bool Background)
{
    /// <summary>Whether the run has ended (its last event is written).</summary>
    public bool Ended { get; init; }

    /// <summary>The number of the oldest event still kept (1 until the run passes the per-run cap).</summary>
    public long FirstKept { get; init; } = 1;

    /// <summary>The number of the run's latest event when it was looked up (0 before the first).</summary>
    public long LastEventId { get; init; }
}

/// <summary>
/// The shared log (Redis) could not be asked about a run this instance does not hold: whether it exists, and what its
/// clients saw, is unknown — not "no such run" (a takeover would otherwise store nothing of what clients watched).
/// </summary>
public sealed class RunLogUnreachableException : Exception
{
    public RunLogUnreachableException()
        : base("The shared run log cannot be reached.")
    {
    }

    public RunLogUnreachableException(string message)
        : base(message)
    {
    }

    public RunLogUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A resume asked for events from before the oldest one still kept (the run passed the per-run cap).</summary>
public sealed class RunEventsTruncatedException : Exception
{
    public RunEventsTruncatedException()
        : base("The run's earlier events are no longer kept.")
    {
    }

    public RunEventsTruncatedException(string message)
        : base(message)
    {
    }

    public RunEventsTruncatedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Where a run's events are kept while it runs and for <c>RUN_EVENTS_TTL_SECONDS</c> after, so a client can attach,
/// reattach after a lost connection, or follow it from another instance. Two adapters: in-process memory (one
/// instance), and Redis (when <c>REDIS_URL</c> is set; shared by every instance, memory first on the one that runs it).
/// </summary>
public interface IRunEventLog
{
    /// <summary>Whether every instance reads the same log (Redis): then it outlives the instance that writes it.</summary>
    bool Shared { get; }

    void Open(RunInfo run);

    /// <summary>
    /// Goes on writing a run another instance started (a takeover): the next event gets the number after
    /// <see cref="RunInfo.LastEventId"/>, and readers anywhere see it after the ones before.
    /// </summary>
    void Adopt(RunInfo run);

    /// <summary>The run's events so far, without waiting for more; null when the log does not know the run.</summary>
    /// <exception cref="RunLogUnreachableException">The shared log cannot be reached and this instance does not hold the run.</exception>
    Task<IReadOnlyList<RunEventRecord>?> SnapshotAsync(Guid runId, CancellationToken ct);

    /// <summary>Appends the next event of the run; it gets the next number.</summary>
    void Append(Guid runId, ReadOnlyMemory<byte> json);

    /// <summary>The run has ended: readers get what is left, then their stream ends.</summary>
    void Complete(Guid runId);

    /// <summary>The run's facts; null when the log does not know it.</summary>
    /// <exception cref="RunLogUnreachableException">The shared log cannot be reached and this instance does not hold the run.</exception>
    Task<RunInfo?> FindAsync(Guid runId, CancellationToken ct);

    /// <summary>
    /// Forgets the user's ended runs (their erasure): their events are no longer kept here or in the shared log. Runs still
    /// going end as they would, and are forgotten with the log's time-to-live. Answers how many runs it forgot.
    /// </summary>
    Task<int> ForgetUserAsync(string userId, CancellationToken ct);

    /// <summary>The events after number <paramref name="after"/>, then live ones until the run ends.</summary>
    /// <exception cref="RunEventsTruncatedException">Events after <paramref name="after"/> are no longer all kept.</exception>
    IAsyncEnumerable<RunEventRecord> ReadAsync(Guid runId, long after, CancellationToken ct);
}

/// <summary>Carries a cancel request to whichever instance runs the run (Redis pub/sub when shared, else in-process).</summary>
public interface IRunSignals
{
    Task RequestCancelAsync(Guid runId);
}
