namespace ChatKit.Infrastructure.Llm;

/// <summary>The upstream model, from <c>OPENROUTER_*</c> and <c>LLM_TIMEOUT_SECONDS</c>.</summary>
public sealed class LlmOptions
{
    public const string HttpClientName = "openrouter";

    public string? ApiKey { get; set; }

    public Uri BaseUrl { get; set; } = new("https://openrouter.ai/api/v1");

    public string Model { get; set; } = "openai/gpt-4o-mini";

    public string? SiteUrl { get; set; }

    public string? AppName { get; set; } = "ChatKit";

    /// <summary>How long the upstream may stay silent (before its first byte or between chunks) before the run fails.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    public bool UseOfflineModel => string.IsNullOrWhiteSpace(ApiKey);
}
