using System.Threading.RateLimiting;
using ChatKit.Infrastructure.Options;
using ChatKit.Infrastructure.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Infrastructure.RateLimiting;

/// <summary>Who a request counts against, and how many requests a minute its plan allows (0 = unlimited).</summary>
public readonly record struct RateLimitKey(string Client, int PermitsPerMinute);

/// <summary>Where a client stands in its window: what is left of its permits, and when the window starts again.</summary>
public readonly record struct RateLimitQuota(int Remaining, TimeSpan ResetsIn);

/// <summary>
/// A fixed window of the key's permits (its plan's, else <see cref="RateLimitOptions.PermitsPerMinute"/>) per client. With Redis the count
/// lives there (one atomic script per request), so every instance shares it. If Redis is unreachable or slow
/// (over <see cref="RateLimitOptions.RedisTimeout"/>), the instance counts by itself with the built-in
/// fixed-window limiter, logs a warning once, and tries Redis again after a short pause.
/// </summary>
public sealed partial class SharedWindowLimiter : PartitionedRateLimiter<RateLimitKey>
{
    // INCR the window's key, set its expiry on first use, answer the count and the time left.
    private const string Script = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        local ttl = redis.call('PTTL', KEYS[1])
        return { n, ttl }
        """;

    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<RateLimitKey> _local;
    private readonly RedisConnection _redis;
    private readonly TimeProvider _clock;
    private readonly ILogger<SharedWindowLimiter> _logger;
    private long _redisRetryAt;
    private int _redisDown;

    // The count of each client in the current shared window, as Redis last answered it (this window's only: the map is
    // emptied when the window moves on, so it holds at most the clients of one minute).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _sharedCounts = new(StringComparer.Ordinal);
    private long _sharedCountsWindow;

    public SharedWindowLimiter(IOptions<RateLimitOptions> options, RedisConnection redis, TimeProvider clock, ILogger<SharedWindowLimiter> logger)
    {
        _redis = redis;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        var window = _options.Window;

        // A partition per client and plan size: a user whose plan changes counts afresh here (Redis keeps one count).
        _local = PartitionedRateLimiter.Create<RateLimitKey, RateLimitKey>(key => key.PermitsPerMinute <= 0
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.GetFixedWindowLimiter(key, k =>
                new FixedWindowRateLimiterOptions { PermitLimit = k.PermitsPerMinute, Window = window, QueueLimit = 0, AutoReplenishment = true }));
    }

    /// <summary>The global setting (<c>RATE_LIMIT_PER_MINUTE</c>), for a plan that sets none.</summary>
    public int PermitLimit => _options.PermitsPerMinute;

    /// <summary>The length of a window.</summary>
    public TimeSpan Window => _options.Window;

    public override RateLimiterStatistics? GetStatistics(RateLimitKey resource) => _local.GetStatistics(resource);

    protected override RateLimitLease AttemptAcquireCore(RateLimitKey resource, int permitCount) =>

        // Redis is asynchronous: a failed attempt sends the middleware on to AcquireAsync.
        resource.PermitsPerMinute <= 0 || UsableRedis() is null ? _local.AttemptAcquire(resource, permitCount) : Deferred.Instance;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(RateLimitKey resource, int permitCount, CancellationToken cancellationToken)
    {
        if (resource.PermitsPerMinute > 0 && UsableRedis() is { } redis)
        {
            try
            {
                var lease = await AcquireInRedisAsync(redis, resource, permitCount).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _redisDown, 0) == 1)
                {
                    LogRedisBack(_logger);
                }

                return lease;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                MarkRedisDown(ex);
            }
        }

        return await _local.AcquireAsync(resource, permitCount, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RateLimitLease> AcquireInRedisAsync(ConnectionMultiplexer redis, RateLimitKey resource, int permitCount)
    {
        var window = (long)_options.Window.TotalMilliseconds;
        var index = _clock.GetUtcNow().ToUnixTimeMilliseconds() / window;
        var key = new RedisKey($"chatkit:rl:{resource.Client}:{index}");
        var result = (RedisResult[])(await redis.GetDatabase()
            .ScriptEvaluateAsync(Script, [key], [window])
            .WaitAsync(_options.RedisTimeout).ConfigureAwait(false))!;
        var count = (long)result[0];
        var ttl = Math.Max(0, (long)result[1]);
        if (Interlocked.Exchange(ref _sharedCountsWindow, index) != index)
        {
            _sharedCounts.Clear();
        }

        _sharedCounts[resource.Client] = count;
        return new WindowLease(count + permitCount - 1 <= resource.PermitsPerMinute, TimeSpan.FromMilliseconds(ttl));
    }

    /// <summary>
    /// Where <paramref name="key"/> stands after its last request (the IETF <c>RateLimit</c> header's numbers): from the
    /// shared count when Redis counted it, else from this instance's window. Windows are whole minutes of the clock.
    /// </summary>
    public RateLimitQuota Quota(RateLimitKey key)
    {
        var window = (long)_options.Window.TotalMilliseconds;
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var resetsIn = TimeSpan.FromMilliseconds(window - (now % window));
        var used = Interlocked.Read(ref _sharedCountsWindow) == now / window && _sharedCounts.TryGetValue(key.Client, out var count)
            ? count
            : key.PermitsPerMinute - (_local.GetStatistics(key)?.CurrentAvailablePermits ?? key.PermitsPerMinute);
        return new RateLimitQuota((int)Math.Clamp(key.PermitsPerMinute - used, 0, key.PermitsPerMinute), resetsIn);
    }

    private ConnectionMultiplexer? UsableRedis()
    {
        if (!_redis.Configured || _redis.Connecting || _clock.GetTimestamp() < Interlocked.Read(ref _redisRetryAt))
        {
            return null;
        }

        if (_redis.Usable is not { } redis)
        {
            MarkRedisDown(null);
            return null;
        }

        return redis;
    }

    private void MarkRedisDown(Exception? ex)
    {
        Interlocked.Exchange(ref _redisRetryAt, _clock.GetTimestamp() + (long)(_options.RedisRetryAfter.TotalSeconds * _clock.TimestampFrequency));
        if (Interlocked.Exchange(ref _redisDown, 1) == 0)
        {
            LogRedisDown(_logger, ex?.GetType().Name ?? "not connected");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _local.Dispose();
        }

        base.Dispose(disposing);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unreachable ({Reason}): rate limits are counted per instance until it returns")]
    private static partial void LogRedisDown(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis is back: rate limits are shared again")]
    private static partial void LogRedisBack(ILogger logger);

    private sealed class WindowLease(bool acquired, TimeSpan retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => acquired ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = !acquired && metadataName == MetadataName.RetryAfter.Name ? retryAfter : null;
            return metadata is not null;
        }
    }

    private sealed class Deferred : RateLimitLease
    {
        public static readonly Deferred Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
