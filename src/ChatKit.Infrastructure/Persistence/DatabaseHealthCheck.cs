using ChatKit.Infrastructure.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// Readiness: PostgreSQL answers a trivial query within two seconds, asked over a connection of the probe's own (a pool of
/// one), not the service's pool. An instance whose pool is busy is slow, not broken; a probe that queued behind its
/// requests would have Kubernetes pull the pod exactly when it is needed most.
/// </summary>
public sealed class DatabaseHealthCheck : IHealthCheck, IDisposable
{
    public const string ReadyTag = "ready";

    private readonly NpgsqlDataSource _probe;
    private readonly NpgsqlDataSource _pool;

    public DatabaseHealthCheck(NpgsqlDataSource pool, IOptions<DatabaseOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _pool = pool;
        var probe = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString)
        {
            MinPoolSize = 0,
            MaxPoolSize = 1,
            Timeout = 2,
            ApplicationName = "chatkit-readiness",
        };
        _probe = new NpgsqlDataSourceBuilder(probe.ConnectionString).Build();
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await using var command = _probe.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // Unreachable: the service's idle connections are likely dead too; the next request opens fresh ones.
            DatabaseRecovery.Reset(_pool);
            DatabaseRecovery.Reset(_probe);
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }

    public void Dispose() => _probe.Dispose();
}
