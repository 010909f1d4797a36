
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
}
