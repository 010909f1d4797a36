using Microsoft.Extensions.Configuration;

namespace ChatKit.Infrastructure.Options;

public sealed class DatabaseOptions
{
    /// <summary><c>DATABASE_URL</c>: a <c>postgresql://</c> URI or an Npgsql connection string, as given.</summary>
    [ConfigurationKeyName("DATABASE_URL")]
    public string? Url { get; set; }

    /// <summary>The Npgsql connection string, converted from <see cref="Url"/>.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Apply pending migrations at start-up (<c>MIGRATE_ON_STARTUP</c>, default true).</summary>
    [ConfigurationKeyName("MIGRATE_ON_STARTUP")]
    public bool MigrateOnStartup { get; set; } = true;
}
