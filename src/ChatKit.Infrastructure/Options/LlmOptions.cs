using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Infrastructure.Options;

/// <summary>The upstream model, from <c>OPENROUTER_*</c> and <c>LLM_TIMEOUT_SECONDS</c>.</summary>
public sealed class LlmOptions
{
    public const string HttpClientName = "openrouter";

    public const string DefaultModel = "openai/gpt-4o-mini";

    [ConfigurationKeyName("OPENROUTER_API_KEY")]
    public string? ApiKey { get; set; }

    public static readonly Uri DefaultBaseUrl = new("https://openrouter.ai/api/v1/");

    [ConfigurationKeyName("OPENROUTER_BASE_URL")]
    public Uri BaseUrl { get; set; } = DefaultBaseUrl;

    [ConfigurationKeyName("OPENROUTER_MODEL")]
    public string Model { get; set; } = DefaultModel;

    [ConfigurationKeyName("OPENROUTER_SITE_URL")]
    public string? SiteUrl { get; set; }

    [ConfigurationKeyName("OPENROUTER_APP_NAME")]
    public string? AppName { get; set; } = "ChatKit";

    /// <summary>How long the upstream may stay silent (before its first byte or between chunks) before the run fails.</summary>
    [ConfigurationKeyName("LLM_TIMEOUT_SECONDS")]
    [Range(1, 600, ErrorMessage = "LLM_TIMEOUT_SECONDS must be between {1} and {2}.")]
    public int TimeoutSeconds { get; set; } = 30;

    public bool UseOfflineModel => string.IsNullOrWhiteSpace(ApiKey);
}
