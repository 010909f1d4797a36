using StackExchange.Redis;

namespace ChatKit.Infrastructure.Redis;

/// <summary>Reads <c>REDIS_URL</c> as <c>redis://[user:pass@]host:port[/db]</c> (<c>rediss://</c> for TLS) or a StackExchange.Redis string.</summary>
public static class RedisUrl
{
    public static ConfigurationOptions Parse(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        var trimmed = value.Trim();
        ConfigurationOptions options;
        if (trimmed.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = new Uri(trimmed);
            options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
            options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port);
            if (uri.UserInfo.Length > 0)
            {
                var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
                var user = Uri.UnescapeDataString(colon < 0 ? string.Empty : uri.UserInfo[..colon]);
                options.User = user.Length > 0 ? user : null;
                options.Password = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[(colon + 1)..]);
            }

            var db = uri.AbsolutePath.Trim('/');
            if (db.Length > 0)
            {
                options.DefaultDatabase = int.Parse(db, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        else
        {
            options = ConfigurationOptions.Parse(trimmed);
        }

        // Never fail or stall a request because of Redis: connect in the background, give up on a call fast.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 1000;
        options.AsyncTimeout = 100;
        options.SyncTimeout = 100;
        options.ConnectRetry = 1;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        return options;
    }
}
