using System.Globalization;
using System.Text;
using System.Text.Json;
using ChatKit.Infrastructure;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Hosting;

/// <summary>JWT settings from <c>JWT_SECRET</c> (alias <c>SECRET_KEY</c>), <c>JWT_ISSUER</c>, <c>JWT_AUDIENCE</c>.</summary>
public sealed class JwtSettings
{
    /// <summary>Used only in Development when no secret is given, so the README's token command works with no set-up.</summary>
    public const string DevelopmentSecret = "chatkit-development-only-secret-do-not-deploy-0001";

    public string Secret { get; set; } = string.Empty;

    public string? Issuer { get; set; }

    public string? Audience { get; set; }

    public byte[] KeyBytes => Encoding.UTF8.GetBytes(Secret);
}

/// <summary>Server-Sent Events: how often a comment keeps a quiet stream open through proxies (<c>SSE_PING_SECONDS</c>).</summary>
public sealed class StreamingSettings
{
    public double PingSeconds { get; set; } = 15;
}

/// <summary>
/// Stopping (<c>RUN_DRAIN_SECONDS</c>): how long runs get to finish by themselves before the rest are ended with their
/// replies so far stored. The host's shutdown timeout is set 15 s longer, for the turn writer to store what they leave.
/// </summary>
public sealed class ShutdownSettings
{
    public const double ExtraForWrites = 15;

    public double DrainSeconds { get; set; } = 20;
}

/// <summary>
/// The host's own settings (JWT, the SSE ping) and the parsing helpers of its edge settings; Application and
/// Infrastructure bind their options where they register them. A value that does not parse stops start-up with a message
/// that names the variable.
/// </summary>
public static class Settings
{
    public static void AddChatKitSettings(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddOptions<JwtSettings>()
            .Configure<IConfiguration>((o, c) =>
            {
                o.Secret = c["JWT_SECRET"] ?? c["SECRET_KEY"] ?? (environment.IsDevelopment() ? JwtSettings.DevelopmentSecret : string.Empty);
                o.Issuer = NullIfBlank(c["JWT_ISSUER"]);
                o.Audience = NullIfBlank(c["JWT_AUDIENCE"]);
            })
            .Validate(o => o.KeyBytes.Length >= 32, "JWT_SECRET must be set to at least 32 bytes (it signs and checks HS256 tokens).")
            .ValidateOnStart();

        services.AddOptions<ShutdownSettings>()
            .Configure<IConfiguration>((o, c) => o.DrainSeconds = Double(c, "RUN_DRAIN_SECONDS", o.DrainSeconds, 0, 3600))
            .ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownSettings>>((o, shutdown) =>
            o.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.Value.DrainSeconds + ShutdownSettings.ExtraForWrites));

        services.AddOptions<StreamingSettings>()
            .Configure<IConfiguration>((o, c) => o.PingSeconds = Double(c, "SSE_PING_SECONDS", o.PingSeconds, 0.05, 3600))
            .ValidateOnStart();
    }

    public static int Int(IConfiguration c, string name, int fallback, int min, int max) =>
        Parse(name, c[name], v => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture), fallback, min, max);

    public static double Double(IConfiguration c, string name, double fallback, double min, double max) =>
        Parse(name, c[name], v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture), fallback, min, max);

    /// <summary>An on/off switch: <c>true</c> or <c>false</c> (any case); anything else stops start-up naming the variable.</summary>
    public static bool Flag(IConfiguration c, string name, bool fallback) => Parse(name, c[name], bool.Parse, fallback);

    /// <summary>A list from a JSON array (<c>["a","b"]</c>) or a comma list (<c>a,b</c>).</summary>
    public static IReadOnlyList<string> List(IConfiguration c, string name)
    {
        var raw = c[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return [];
        }

        var items = raw.TrimStart().StartsWith('[')
            ? ConfigurationValue.Parse(name, raw, v => JsonSerializer.Deserialize<string[]>(v) ?? [])
            : raw.Split(',');
        return items.Select(i => i.Trim()).Where(i => i.Length > 0).ToList();
    }

    public static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static T Parse<T>(string name, string? raw, Func<string, T> parse, T fallback, T min, T max)
        where T : IComparable<T>
    {
        var value = Parse(name, raw, parse, fallback);
        return value.CompareTo(min) >= 0 && value.CompareTo(max) <= 0
            ? value
            : throw new InvalidOperationException($"{name} must be between {min} and {max} (got \"{raw}\").");
    }

    private static T Parse<T>(string name, string? raw, Func<string, T> parse, T fallback) =>
        string.IsNullOrWhiteSpace(raw) ? fallback : ConfigurationValue.Parse(name, raw, parse);
}
