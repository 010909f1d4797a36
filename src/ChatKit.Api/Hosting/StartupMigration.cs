using ChatKit.Infrastructure.Options;
using ChatKit.Infrastructure.Persistence;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Hosting;

/// <summary>Migrates the database before the server takes requests (unless <c>MIGRATE_ON_STARTUP=false</c>).</summary>
public sealed partial class StartupMigration(IOptions<DatabaseOptions> database, ILogger<StartupMigration> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!database.Value.MigrateOnStartup)
        {
            return;
        }

        var applied = await MigrateWhenReachableAsync(cancellationToken).ConfigureAwait(false);
        if (applied.Count == 0)
        {
            LogUpToDate(logger);
        }
        else
        {
            LogMigrated(logger, applied.Count, string.Join(", ", applied));
        }
    }

    /// <summary>
    /// An instance that starts while PostgreSQL restarts or fails over (a rollout during a database restart, a pod
    /// rescheduled with it) waits for it, up to <see cref="ReachableWait"/>, instead of exiting at once and crash-looping.
    /// </summary>
    private async Task<IReadOnlyList<string>> MigrateWhenReachableAsync(CancellationToken ct)
    {
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await Migrator.MigrateAsync(database.Value.ConnectionString, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (Application.Common.Outages.Classify(ex) == Application.Common.DatabaseTrouble.Unreachable
                                       && waiting.Elapsed < ReachableWait && !ct.IsCancellationRequested)
            {
                LogWaiting(logger, ex.GetType().Name, RetryEvery.TotalSeconds);
                await Task.Delay(RetryEvery, ct).ConfigureAwait(false);
            }
        }
    }

    private static readonly TimeSpan ReachableWait = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL is not reachable yet ({Reason}); the start-up migration tries again in {Seconds} s")]
    private static partial void LogWaiting(ILogger logger, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date")]
    private static partial void LogUpToDate(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrated: {Count} script(s) applied: {Scripts}")]
    private static partial void LogMigrated(ILogger logger, int count, string scripts);
}

/// <summary>Says at start which model answers runs (under its own category, not the migration's).</summary>
public sealed partial class ModelNotice(IOptions<LlmOptions> llm, ILogger<ModelNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (llm.Value.UseOfflineModel)
        {
            LogOffline(logger);
        }
        else
        {
            LogUpstream(logger, llm.Value.Model, llm.Value.BaseUrl.Host);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "OPENROUTER_API_KEY is not set: runs are answered by the built-in offline model")]
    private static partial void LogOffline(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Runs are answered by {Model} at {UpstreamHost}")]
    private static partial void LogUpstream(ILogger logger, string model, string upstreamHost);
}
