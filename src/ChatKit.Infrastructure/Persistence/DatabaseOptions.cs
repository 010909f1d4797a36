namespace ChatKit.Infrastructure.Persistence;

public sealed class DatabaseOptions
{
    /// <summary>An Npgsql connection string, already converted from <c>DATABASE_URL</c>.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Apply pending migrations at start-up (<c>MIGRATE_ON_STARTUP</c>, default true).</summary>
    public bool MigrateOnStartup { get; set; } = true;
}
