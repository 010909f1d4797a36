using System.ComponentModel.DataAnnotations;

namespace ChatKit.Api.Options;

/// <summary>
/// Tokens from an identity provider (ADR-024): <c>AUTH_AUTHORITY</c> (OIDC discovery) or <c>AUTH_JWKS_URL</c> with
/// <c>AUTH_ISSUER</c>, and <c>AUTH_AUDIENCE</c>; which claims name the user and the plan.
/// </summary>
public sealed class IdentitySettings : IValidatableObject
{
    [ConfigurationKeyName("AUTH_AUTHORITY")]
    public string? Authority { get; set; }

    [ConfigurationKeyName("AUTH_JWKS_URL")]
    public string? JwksUrl { get; set; }

    [ConfigurationKeyName("AUTH_ISSUER")]
    public string? Issuer { get; set; }

    [ConfigurationKeyName("AUTH_AUDIENCE")]
    public string? Audience { get; set; }

    /// <summary>Metadata and keys over plain HTTP: for development and tests on loopback only.</summary>
    [ConfigurationKeyName("AUTH_ALLOW_HTTP")]
    public bool AllowHttp { get; set; }

    /// <summary>A token with an unknown <c>kid</c> refreshes the key set at most this often.</summary>
    [ConfigurationKeyName("AUTH_JWKS_REFRESH_SECONDS")]
    [Range(1, 3600, ErrorMessage = "AUTH_JWKS_REFRESH_SECONDS must be between {1} and {2}.")]
    public int JwksRefreshSeconds { get; set; } = 60;

    [ConfigurationKeyName("AUTH_CLOCK_SKEW_SECONDS")]
    [Range(0, 300, ErrorMessage = "AUTH_CLOCK_SKEW_SECONDS must be between {1} and {2}.")]
    public int ClockSkewSeconds { get; set; } = 30;

    [ConfigurationKeyName("AUTH_USER_CLAIM")]
    public string UserClaim { get; set; } = "sub";

    [ConfigurationKeyName("AUTH_PLAN_CLAIM")]
    public string PlanClaim { get; set; } = "plan";

    /// <summary>Whether tokens signed by an identity provider's keys are accepted.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(JwksUrl);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(JwksUrl))
        {
            yield return new("Set AUTH_AUTHORITY (discovery) or AUTH_JWKS_URL (keys without discovery), not both.");
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return new("AUTH_AUDIENCE is required with AUTH_AUTHORITY or AUTH_JWKS_URL (a token for another service must not pass).");
        }

        if (!string.IsNullOrWhiteSpace(JwksUrl) && string.IsNullOrWhiteSpace(Issuer))
        {
            yield return new("AUTH_ISSUER is required with AUTH_JWKS_URL (without discovery nothing else says who the issuer is).");
        }

        foreach (var (name, value) in new[] { ("AUTH_AUTHORITY", Authority), ("AUTH_JWKS_URL", JwksUrl) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                yield return new($"{name} must be an absolute https URL.");
            }
            else if (uri.Scheme == Uri.UriSchemeHttp && !AllowHttp)
            {
                yield return new($"{name} must use https (set AUTH_ALLOW_HTTP=true only for development and tests).");
            }
        }

        if (string.IsNullOrWhiteSpace(UserClaim) || string.IsNullOrWhiteSpace(PlanClaim))
        {
            yield return new("AUTH_USER_CLAIM and AUTH_PLAN_CLAIM must name a claim.");
        }
    }
}
