using ChatKit.Application.Runs.Execution;
using ChatKit.Infrastructure.Redis;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ChatKit.Infrastructure.Runs;

/// <summary>
/// Cancel requests for runs another instance runs, over Redis pub/sub (channel <c>chatkit:runs:cancel</c>): every
/// instance listens, the one that runs the run cancels it. Without Redis there is no other instance that could run it
/// (ADR-009), so the request has nowhere to go.
/// </summary>
internal sealed class RedisRunSignals(RedisConnection redis) : IRunSignals
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("chatkit:runs:cancel");

    public async Task RequestCancelAsync(Guid runId)
    {
        if (redis.Usable is { } connection)
        {
            await connection.GetSubscriber().PublishAsync(Channel, runId.ToString()).ConfigureAwait(false);
        }
    }
}

/// <summary>Listens for cancel requests on <see cref="RedisRunSignals.Channel"/> and cancels the runs this instance runs.</summary>
internal sealed partial class RunCancelSubscriber(RedisConnection redis, RunHost runs, ILogger<RunCancelSubscriber> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!redis.Configured)
        {
            return;
        }

        // Subscribe as soon as the first connection attempt ends, then retry until connected (StackExchange.Redis
        // resubscribes by itself after a reconnect).
        await redis.GetAsync().ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (redis.Usable is { } connection)
                {
                    var queue = await connection.GetSubscriber().SubscribeAsync(RedisRunSignals.Channel).ConfigureAwait(false);
                    queue.OnMessage(message =>
                    {
                        if (Guid.TryParse(message.Message.ToString(), out var runId))
                        {
                            runs.CancelLocal(runId);
                        }
                    });
                    return;
                }
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException or ObjectDisposedException)
            {
                LogSubscribeFailed(logger, ex.GetType().Name);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // stopping (also a start that failed): not a fault of this service
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to run cancel requests yet ({Reason}); trying again")]
    private static partial void LogSubscribeFailed(ILogger logger, string reason);
}
