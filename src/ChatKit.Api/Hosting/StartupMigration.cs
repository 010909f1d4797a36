using ChatKit.Infrastructure.Llm;
using ChatKit.Infrastructure.Persistence;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Hosting;

/// <summary>Migrates the database before the server takes requests (unless <c>MIGRATE_ON_STARTUP=false</c>) and says which model answers.</summary>
public sealed partial class StartupMigration(
    IOptions<DatabaseOptions> database, IOptions<LlmOptions> llm, ILogger<StartupMigration> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (llm.Value.UseOfflineModel)
        {
            LogOffline(logger);
        }
        else
        {
            LogUpstream(logger, llm.Value.Model, llm.Value.BaseUrl.Host);
        }

        if (!database.Value.MigrateOnStartup)
        {
            return;
        }

        var applied = await Migrator.MigrateAsync(database.Value.ConnectionString, cancellationToken).ConfigureAwait(false);
        LogMigrated(logger, applied.Count, string.Join(", ", applied));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "OPENROUTER_API_KEY is not set: runs are answered by the built-in offline model")]
    private static partial void LogOffline(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Runs are answered by {Model} at {UpstreamHost}")]
    private static partial void LogUpstream(ILogger logger, string model, string upstreamHost);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrated: {Count} script(s) applied {Scripts}")]
    private static partial void LogMigrated(ILogger logger, int count, string scripts);
}
