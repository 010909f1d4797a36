using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary>The per-user and per-session limits of the contract.</summary>
public sealed class LimitsOptions
{
    [ConfigurationKeyName("MAX_SESSIONS_PER_USER")]
    [Range(0, 1_000_000, ErrorMessage = "MAX_SESSIONS_PER_USER must be between {1} and {2}.")]
    public int MaxSessionsPerUser { get; set; } = 10;

    [ConfigurationKeyName("MAX_MESSAGE_LENGTH")]
    [Range(1, 100_000, ErrorMessage = "MAX_MESSAGE_LENGTH must be between {1} and {2}.")]
    public int MaxMessageLength { get; set; } = 500;

    [ConfigurationKeyName("MAX_MESSAGES_PER_SESSION")]
    [Range(1, 10_000_000, ErrorMessage = "MAX_MESSAGES_PER_SESSION must be between {1} and {2}.")]
    public int MaxMessagesPerSession { get; set; } = 100;
}
