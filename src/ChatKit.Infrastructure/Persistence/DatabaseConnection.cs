using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

public static class DatabaseConnection
{
    /// <summary>
    /// The Npgsql connection string for a <c>DATABASE_URL</c>, with a short connect timeout unless one is given,
    /// so an outage answers 503 in seconds rather than after the default 15 s, and automatic statement preparation.
    /// </summary>
    public static string FromUrl(string databaseUrl)
    {
        var builder = DatabaseUrl.Parse(databaseUrl);
        if (!databaseUrl.Contains("timeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.Timeout = 3;
        }

        // Every statement the store sends is one of a few fixed texts: preparing them once per connection saves
        // the server a parse and plan on each request (measured in docs/performance.md).
        if (!databaseUrl.Contains("prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 32;
            builder.AutoPrepareMinUsages = 2;
        }

        return builder.ConnectionString;
    }

    /// <summary>A text search configuration's name (checked here; whether the server has it, the first connection says).</summary>
    public static bool IsSearchLanguage(string name) =>
        name.Length is > 0 and <= 63 && name.All(c => c is (>= 'a' and <= 'z') or '_');

    /// <summary>
    /// The connection string with <c>default_text_search_config</c> set at connect: the search trigger and the search
    /// query both use the connection's configuration, so they cannot disagree.
    /// </summary>
    public static string WithSearchLanguage(string connectionString, string language)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var setting = $"-c default_text_search_config={language}";
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? setting : $"{builder.Options} {setting}";
        return builder.ConnectionString;
    }
}
