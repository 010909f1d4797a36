using ChatKit.Infrastructure.Options;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatKit.Infrastructure.Redis;

/// <summary>
/// The one <see cref="IConnectionMultiplexer"/> of the process, for the rate limiter, the run event log and the cancel
/// signals. It connects in the background and reconnects by itself; users check <see cref="Usable"/> and fall back to
/// this instance alone while Redis is away.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private readonly Task<ConnectionMultiplexer>? _connecting;

    public RedisConnection(IOptions<RedisOptions> options)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.Url))
        {
            _connecting = ConnectionMultiplexer.ConnectAsync(RedisUrl.Parse(options.Value.Url));
        }
    }

    public bool Configured => _connecting is not null;

    /// <summary>The first connection attempt is still under way: Redis is not down, just not there yet.</summary>
    public bool Connecting => _connecting is { IsCompleted: false };

    /// <summary>The multiplexer once it is connected; null before, or while Redis is unreachable.</summary>
    public ConnectionMultiplexer? Usable =>
        _connecting is { IsCompletedSuccessfully: true } && _connecting.Result.IsConnected ? _connecting.Result : null;

    /// <summary>The multiplexer once the first attempt finished (connected or not); null without <c>REDIS_URL</c>.</summary>
    public async Task<ConnectionMultiplexer?> GetAsync() => _connecting is null ? null : await _connecting.ConfigureAwait(false);

    public void Dispose()
    {
        if (_connecting is { IsCompletedSuccessfully: true })
        {
            _connecting.Result.Dispose();
        }
    }
}
