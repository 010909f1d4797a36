using ChatKit.Api.Options;
using ChatKit.Application.Runs.Execution;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Hosting;

/// <summary>
/// At shutdown (a rollout's SIGTERM), before any service stops: the runs of this instance get <c>RUN_DRAIN_SECONDS</c> to
/// finish, then the rest end, each storing its reply so far and telling its streams why, while the turn writer is still
/// there to store them. Without it Kestrel would hold every open stream until the shutdown timeout and then cut it.
/// </summary>
public sealed class RunShutdown(RunHost runs, IOptions<ShutdownSettings> settings) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) =>
        runs.StopAllAsync(TimeSpan.FromSeconds(settings.Value.DrainSeconds), cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
