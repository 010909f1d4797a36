using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

public static class DatabaseConnection
{
    /// <summary>
    /// The Npgsql connection string for a <c>DATABASE_URL</c>, with a short connect timeout unless one is given,
    /// so an outage answers 503 in seconds rather than after the default 15 s.
    /// </summary>
    public static string FromUrl(string databaseUrl)
    {
        var builder = DatabaseUrl.Parse(databaseUrl);
        if (!databaseUrl.Contains("timeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.Timeout = 3;
        }

        return builder.ConnectionString;
    }
}
