using System.Text;

namespace ChatKit.Api.Options;

/// <summary>JWT settings from <c>JWT_SECRET</c> (alias <c>SECRET_KEY</c>), <c>JWT_ISSUER</c>, <c>JWT_AUDIENCE</c>.</summary>
public sealed class JwtSettings
{
    /// <summary>Used only in Development when no secret is given, so the README's token command works with no set-up.</summary>
    public const string DevelopmentSecret = "chatkit-development-only-secret-do-not-deploy-0001";

    [ConfigurationKeyName("JWT_SECRET")]
    public string Secret { get; set; } = string.Empty;

    [ConfigurationKeyName("JWT_ISSUER")]
    public string? Issuer { get; set; }

    [ConfigurationKeyName("JWT_AUDIENCE")]
    public string? Audience { get; set; }

    public byte[] KeyBytes => Encoding.UTF8.GetBytes(Secret);
}
