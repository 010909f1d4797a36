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

    /// <summary>
    /// <c>SEARCH_LANGUAGE</c>: the PostgreSQL text search configuration messages are indexed and searched with
    /// (<c>simple</c> by default: no stemming, no stop words, fine for any language). Set on every connection as
    /// <c>default_text_search_config</c>, so the trigger that fills the index and the query agree.
    /// </summary>
    [ConfigurationKeyName("SEARCH_LANGUAGE")]
    public string SearchLanguage { get; set; } = "simple";
}
