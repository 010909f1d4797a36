using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

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
