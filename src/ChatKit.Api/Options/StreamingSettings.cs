using System.ComponentModel.DataAnnotations;

namespace ChatKit.Api.Options;

/// <summary>Server-Sent Events: how often a comment keeps a quiet stream open through proxies.</summary>
public sealed class StreamingSettings
{
    [ConfigurationKeyName("SSE_PING_SECONDS")]
    [Range(0.05, 3600, ErrorMessage = "SSE_PING_SECONDS must be between {1} and {2}.")]
    public double PingSeconds { get; set; } = 15;
}
