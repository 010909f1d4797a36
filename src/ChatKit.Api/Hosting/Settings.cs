using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using ChatKit.Api.Options;
using ChatKit.Application.Options;
using ChatKit.Infrastructure;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Hosting;

/// <summary>
/// The host's own options (JWT, shutdown, the SSE ping), and the readers of the switches the host needs before its
/// container exists (port, flags, lists); Application and Infrastructure bind their options the same way where they
/// register them. A value that does not parse stops start-up with a message that names the variable.
/// </summary>
public static class Settings
{
    public static void AddChatKitSettings(this IServiceCollection services, IHostEnvironment environment)
    {
        Bind<JwtSettings>(services)
            .PostConfigure<IConfiguration>((o, c) =>
            {
                // SECRET_KEY is the Python original's name; Development signs with a fixed secret so the README's token works.
                o.Secret = NullIfBlank(o.Secret) ?? NullIfBlank(c["SECRET_KEY"]) ?? (environment.IsDevelopment() ? JwtSettings.DevelopmentSecret : string.Empty);
                o.Issuer = NullIfBlank(o.Issuer);
                o.Audience = NullIfBlank(o.Audience);
            })
            .Validate<IOptions<IdentitySettings>>(
                (o, identity) => o.KeyBytes.Length >= 32 || (o.KeyBytes.Length == 0 && identity.Value.Enabled),
                "JWT_SECRET must be set to at least 32 bytes (it signs and checks HS256 tokens), unless tokens come from AUTH_AUTHORITY or AUTH_JWKS_URL alone.");
        Bind<IdentitySettings>(services);
        services.AddOptions<AttachmentOptions>().PostConfigure<IConfiguration, IOptions<JwtSettings>>((o, c, jwt) =>
        {
            // Links signed on one instance must check on every other: the key comes from the environment, or from the JWT
            // secret every instance already shares (derived, so a link's signature never reveals anything about it).
            o.UrlKey = NullIfBlank(o.UrlKey) ?? (jwt.Value.KeyBytes.Length == 0 ? string.Empty : Convert.ToHexString(HKDF.DeriveKey(
                HashAlgorithmName.SHA256, jwt.Value.KeyBytes, 32, info: "chatkit attachment links"u8.ToArray())));
            o.PublicBaseUrl = NullIfBlank(o.PublicBaseUrl)?.TrimEnd('/')
                ?? $"http://localhost:{Int(c, "PORT", 8000, 1, 65535).ToString(CultureInfo.InvariantCulture)}";
        }).Validate(o => !string.IsNullOrEmpty(o.UrlKey), "ATTACHMENT_URL_KEY must be set when JWT_SECRET is not (every instance signs attachment links with it).");
        Bind<ShutdownSettings>(services);
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownSettings>>((o, shutdown) =>
            o.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.Value.DrainSeconds + ShutdownSettings.ExtraForWrites));
        Bind<StreamingSettings>(services);
        Bind<IdempotencySettings>(services);
    }

    /// <summary>
    /// The one way options are bound, in every layer: from the environment variables named on their properties
    /// (<c>[ConfigurationKeyName]</c>), checked by their attributes at start, so a bad value stops start-up naming the
    /// variable.
    /// </summary>
    public static OptionsBuilder<T> Bind<T>(IServiceCollection services)
        where T : class =>
        services.AddOptions<T>().BindConfiguration(string.Empty).ValidateDataAnnotations().ValidateOnStart();

    public static int Int(IConfiguration c, string name, int fallback, int min, int max) =>
        Parse(name, c[name], v => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture), fallback, min, max);

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
