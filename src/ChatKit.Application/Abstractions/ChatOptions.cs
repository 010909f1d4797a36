using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Abstractions;

// Each option is bound from the environment variable named on it; a value out of range stops start-up with a message
// naming that variable (Application's DependencyInjection binds and validates them).

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

/// <summary>What is sent upstream with each run.</summary>
public sealed class PromptOptions
{
    public const string DefaultSystemPrompt = "You are a helpful assistant. Answer clearly and concisely.";

    [ConfigurationKeyName("SYSTEM_PROMPT")]
    public string SystemPrompt { get; set; } = DefaultSystemPrompt;

    /// <summary>At most this many earlier messages of the session go with the new one.</summary>
    [ConfigurationKeyName("HISTORY_MAX_MESSAGES")]
    [Range(0, 1000, ErrorMessage = "HISTORY_MAX_MESSAGES must be between {1} and {2}.")]
    public int HistoryMaxMessages { get; set; } = 20;

    /// <summary>And at most this many characters of them, the most recent kept first.</summary>
    [ConfigurationKeyName("HISTORY_MAX_CHARS")]
    [Range(0, 10_000_000, ErrorMessage = "HISTORY_MAX_CHARS must be between {1} and {2}.")]
    public int HistoryMaxChars { get; set; } = 12_000;
}

/// <summary>How a run behaves.</summary>
public sealed class RunOptions
{
    /// <summary>How long a run's claim on its session lasts without renewal, so a crashed instance frees it.</summary>
    [ConfigurationKeyName("RUN_CLAIM_SECONDS")]
    [Range(3, 3600, ErrorMessage = "RUN_CLAIM_SECONDS must be between {1} and {2}.")]
    public int ClaimSeconds { get; set; } = 60;

    /// <summary><c>AGENT_MAX_STEPS</c>: model calls per turn; the last is made without tools, so a turn ends in words.</summary>
    [ConfigurationKeyName("AGENT_MAX_STEPS")]
    [Range(1, 50, ErrorMessage = "AGENT_MAX_STEPS must be between {1} and {2}.")]
    public int MaxSteps { get; set; } = 5;

    /// <summary>How long a connected client waits for its reply to be stored before hearing that it is not stored yet.</summary>
    public TimeSpan SaveWait { get; set; } = TimeSpan.FromSeconds(10);
}
