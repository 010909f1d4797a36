using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

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
