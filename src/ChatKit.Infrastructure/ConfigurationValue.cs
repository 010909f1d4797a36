using System.Text.Json;

namespace ChatKit.Infrastructure;

/// <summary>Parses a configuration value that needs more than binding; a failure names the variable, never the value.</summary>
public static class ConfigurationValue
{
    public static T Parse<T>(string name, string raw, Func<string, T> parse)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            return parse(raw.Trim());
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or JsonException or UriFormatException
                                   or StackExchange.Redis.RedisException)
        {
            // The raw value is not echoed: DATABASE_URL can hold a password.
            throw new InvalidOperationException($"{name} is not valid: {ex.GetType().Name}.", ex);
        }
    }
}
