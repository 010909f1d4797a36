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

        var applied = await Migrator.MigrateAsync(database.Value.ConnectionString, cancellationToken).ConfigureAwait(false);
        if (applied.Count == 0)
        {
            LogUpToDate(logger);
        }
        else
        {
            LogMigrated(logger, applied.Count, string.Join(", ", applied));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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
