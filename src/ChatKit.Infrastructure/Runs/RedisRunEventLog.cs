using System.Globalization;
using System.Runtime.CompilerServices;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Execution;
using ChatKit.Infrastructure.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Infrastructure.Runs;

/// <summary>
/// The event log shared by every instance. The instance that runs a run keeps its events in memory (its own clients
/// read them there, with no round trip) and mirrors each one to a Redis stream <c>chatkit:run:{id}:events</c>
/// (<c>XADD</c> with the event's number as its id, capped by <c>MAXLEN</c>) with a pub/sub wake-up on
/// <c>chatkit:run:{id}</c>; the run's facts live in the hash <c>chatkit:run:{id}</c>. Another instance reads with
/// <c>XRANGE</c> from the last number it sent, woken by the pub/sub message, polling every 250 ms in case one is
/// missed (StackExchange.Redis has no blocking <c>XREAD</c>). Both keys expire <c>RUN_EVENTS_TTL_SECONDS</c> after the
/// run ends. While Redis is unreachable, runs stay readable on their own instance, and one warning says so.
/// </summary>
internal sealed partial class RedisRunEventLog(
    MemoryRunEventLog local, RedisConnection redis, IOptions<RunEventOptions> options, ILogger<RedisRunEventLog> logger) : IRunEventLog
{
    // Longer than any run: a crashed instance's keys still go.
    private static readonly TimeSpan Unfinished = TimeSpan.FromHours(6);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(250);
    private int _down;

    private static RedisKey Info(Guid runId) => $"chatkit:run:{runId}";

    private static RedisKey Events(Guid runId) => $"chatkit:run:{runId}:events";

    // The user's runs, so their erasure finds them (it expires with the runs it names).
    private static RedisKey UserRuns(string userId) => $"chatkit:user:{userId}:runs";

    private static RedisChannel Wake(Guid runId) => RedisChannel.Literal($"chatkit:run:{runId}");

    public bool Shared => redis.Configured;

    public void Adopt(RunInfo run)
    {
        // The run's facts and its events so far are in Redis already: only the next ones are written from here.
        local.Adopt(run);
        Mirror(db => db.KeyExpireAsync(Info(run.RunId), Unfinished, CommandFlags.FireAndForget));
    }

    public async Task<IReadOnlyList<RunEventRecord>?> SnapshotAsync(Guid runId, CancellationToken ct)
    {
        if (!redis.Configured)
        {
            return await local.SnapshotAsync(runId, ct).ConfigureAwait(false);
        }

        try
        {
            var db = await ConnectedAsync().ConfigureAwait(false);
            var entries = await db.StreamRangeAsync(Events(runId), "-", "+").ConfigureAwait(false);
            return entries.Length == 0 && !await db.KeyExistsAsync(Info(runId)).ConfigureAwait(false)
                ? null
                : entries.Select(e => new RunEventRecord(Number(e.Id), (byte[])e["e"]!)).ToList();
        }
        catch (Exception ex) when (Unreachable(ex))
        {
            MarkDown(ex);
            return await local.SnapshotAsync(runId, ct).ConfigureAwait(false) ?? throw UnknownRun(ex);
        }
    }

    public void Open(RunInfo run)
    {
        local.Open(run);
        Mirror(db =>
        {
            db.HashSetAsync(Info(run.RunId),
            [
                new("session", run.SessionId.ToString()),
                new("user", run.UserId),
                new("started", run.StartedAt.Ticks),
                new("background", run.Background),
            ], CommandFlags.FireAndForget);
            db.KeyExpireAsync(Info(run.RunId), Unfinished, CommandFlags.FireAndForget);
            db.SetAddAsync(UserRuns(run.UserId), run.RunId.ToString(), CommandFlags.FireAndForget);
            db.KeyExpireAsync(UserRuns(run.UserId), Unfinished, CommandFlags.FireAndForget);
        });
    }

    public async Task<int> ForgetUserAsync(string userId, CancellationToken ct)
    {
        var forgotten = await local.ForgetUserAsync(userId, ct).ConfigureAwait(false);
        if (!redis.Configured)
        {
            return forgotten;
        }

        try
        {
            var db = await ConnectedAsync().ConfigureAwait(false);
            var runs = await db.SetMembersAsync(UserRuns(userId)).ConfigureAwait(false);
            var keys = runs.SelectMany(r => Guid.TryParse(r.ToString(), out var run) ? new[] { Info(run), Events(run) } : []).ToList();
            keys.Add(UserRuns(userId));
            await db.KeyDeleteAsync([.. keys]).ConfigureAwait(false);
            return Math.Max(forgotten, runs.Length);
        }
        catch (Exception ex) when (Unreachable(ex))
        {
            MarkDown(ex);
            throw UnknownRun(ex);
        }
    }

    public void Append(Guid runId, ReadOnlyMemory<byte> json)
    {
        // Readers here get the event once Redis holds it: what any client saw, a takeover finds (ADR-023). Acks come back
        // in order on the one connection, so this costs a round trip of latency, not throughput.
        var id = local.Append(runId, json, publish: false);
        if (Database() is not { } db)
        {
            local.Publish(runId, id);
            return;
        }

        try
        {
            var added = db.StreamAddAsync(Events(runId), "e", json, $"{id}-1", options.Value.MaxEventsPerRun, useApproximateMaxLength: false);
            if (id == 1)
            {
                db.KeyExpireAsync(Events(runId), Unfinished, CommandFlags.FireAndForget);
            }

            db.PublishAsync(Wake(runId), id, CommandFlags.FireAndForget);
            _ = added.ContinueWith(
                t =>
                {
                    if (t.IsFaulted)
                    {
                        MarkDown(t.Exception?.InnerException); // readers here are not held up by an outage
                    }

                    local.Publish(runId, id);
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        catch (RedisException ex)
        {
            MarkDown(ex);
            local.Publish(runId, id);
        }
    }

    public void Complete(Guid runId)
    {
        local.Complete(runId);
        var ttl = TimeSpan.FromSeconds(options.Value.TtlSeconds);
        Mirror(db =>
        {
            db.HashSetAsync(Info(runId), "ended", true, flags: CommandFlags.FireAndForget);
            db.KeyExpireAsync(Info(runId), ttl, CommandFlags.FireAndForget);
            db.KeyExpireAsync(Events(runId), ttl, CommandFlags.FireAndForget);
            db.PublishAsync(Wake(runId), "ended", CommandFlags.FireAndForget);
        });
    }

    public async Task<RunInfo?> FindAsync(Guid runId, CancellationToken ct)
    {
        if (await local.FindAsync(runId, ct).ConfigureAwait(false) is { } here)
        {
            return here;
        }

        if (!redis.Configured)
        {
            return null;
        }

        try
        {
            var db = await ConnectedAsync().ConfigureAwait(false);
            var fields = (await db.HashGetAllAsync(Info(runId)).ConfigureAwait(false)).ToDictionary(e => e.Name.ToString(), e => e.Value);
            if (!fields.TryGetValue("session", out var session))
            {
                return null;
            }

            var first = await db.StreamRangeAsync(Events(runId), "-", "+", 1).ConfigureAwait(false);
            var last = await db.StreamRangeAsync(Events(runId), "-", "+", 1, Order.Descending).ConfigureAwait(false);
            return new RunInfo(
                runId,
                Guid.Parse(session.ToString()),
                fields["user"].ToString(),
                new DateTime((long)fields["started"], DateTimeKind.Utc),
                (bool)fields["background"])
            {
                Ended = fields.ContainsKey("ended"),
                FirstKept = first.Length == 0 ? 1 : Number(first[0].Id),
                LastEventId = last.Length == 0 ? 0 : Number(last[0].Id),
            };
        }
        catch (Exception ex) when (Unreachable(ex))
        {
            // Unknown is not absent: a resume answers 503, a takeover lets the run go and tries again.
            MarkDown(ex);
            throw UnknownRun(ex);
        }
    }

    public async IAsyncEnumerable<RunEventRecord> ReadAsync(Guid runId, long after, [EnumeratorCancellation] CancellationToken ct)
    {
        if (local.Covers(runId, after))
        {
            await foreach (var record in local.ReadAsync(runId, after, ct).ConfigureAwait(false))
            {
                yield return record;
            }

            yield break;
        }

        var connection = await redis.GetAsync().ConfigureAwait(false);
        if (connection is null)
        {
            yield break;
        }

        var db = connection.GetDatabase();
        var wake = new SemaphoreSlim(0);
        ChannelMessageQueue? channel = null;
        try
        {
            channel = await connection.GetSubscriber().SubscribeAsync(Wake(runId)).ConfigureAwait(false);
            channel.OnMessage(_ => wake.Release());
        }
        catch (Exception ex) when (Unreachable(ex))
        {
            // Slow or away (a process just started, Redis coming back): the follower polls every PollEvery instead of
            // being woken, rather than failing a stream whose response has started.
            MarkDown(ex);
        }

        try
        {
            while (true)
            {
                // Read the end flag first: events written before it was set are then all in the range read next.
                bool ended;
                StreamEntry[] entries;
                try
                {
                    ended = await db.HashExistsAsync(Info(runId), "ended").ConfigureAwait(false);
                    entries = await db.StreamRangeAsync(Events(runId), $"{after + 1}-0", "+", 500).ConfigureAwait(false);
                }
                catch (Exception ex) when (Unreachable(ex))
                {
                    // Redis went away or stalled under a follower: it waits and reads on (the stream's watch ends it if nobody
                    // runs the run).
                    MarkDown(ex);
                    await Task.Delay(PollEvery, ct).ConfigureAwait(false);
                    continue;
                }

                if (entries.Length > 0 && Number(entries[0].Id) > after + 1)
                {
                    throw new RunEventsTruncatedException();
                }

                foreach (var entry in entries)
                {
                    after = Number(entry.Id);
                    yield return new RunEventRecord(after, (byte[])entry["e"]!);
                }

                if (entries.Length == 0)
                {
                    if (ended)
                    {
                        yield break;
                    }

                    await wake.WaitAsync(PollEvery, ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (channel is not null)
            {
                try
                {
                    await channel.UnsubscribeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (Unreachable(ex) || ex is ObjectDisposedException)
                {
                    // Redis went away meanwhile: the subscription went with the connection.
                }
            }

            wake.Dispose();
        }
    }

    // Entries are added with the id "<event number>-1".
    private static long Number(RedisValue streamId)
    {
        var id = streamId.ToString();
        return long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
    }

    /// <summary>An outage of Redis, as the client reports it (a timeout is not a <see cref="RedisException"/>).</summary>
    /// <remarks>A connection replaced while a call used it (Redis came back) answers ObjectDisposedException: the same outage.</remarks>
    private static bool Unreachable(Exception ex) => ex is RedisException or RedisTimeoutException or RunLogUnreachableException or ObjectDisposedException;

    private static RunLogUnreachableException UnknownRun(Exception ex) => new("The shared run log cannot be reached.", ex);

    /// <summary>Redis, once its first connection attempt is over (a start does not take "not yet" for "down").</summary>
    /// <exception cref="RunLogUnreachableException">Redis is not connected.</exception>
    private async Task<IDatabase> ConnectedAsync()
    {
        var connection = await redis.GetAsync().ConfigureAwait(false);
        return connection is { IsConnected: true } ? connection.GetDatabase() : throw new RunLogUnreachableException();
    }

    private IDatabase? Database()
    {
        if (redis.Usable is { } connection)
        {
            if (Interlocked.Exchange(ref _down, 0) == 1)
            {
                LogRedisBack(logger);
            }

            return connection.GetDatabase();
        }

        MarkDown(null);
        return null;
    }

    private void Mirror(Action<IDatabase> write)
    {
        if (Database() is not { } db)
        {
            return;
        }

        try
        {
            write(db);
        }
        catch (RedisException ex)
        {
            MarkDown(ex);
        }
    }

    private void MarkDown(Exception? ex)
    {
        if (redis.Configured && !redis.Connecting && Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogRedisDown(logger, ex?.GetType().Name ?? "not connected");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Redis is unreachable ({Reason}): runs can be resumed and cancelled only on the instance that runs them until it returns")]
    private static partial void LogRedisDown(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis is back: runs can be resumed and cancelled from any instance again")]
    private static partial void LogRedisBack(ILogger logger);
}
