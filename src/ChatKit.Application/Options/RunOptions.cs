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

    /// <summary>
    /// <c>RUN_TAKEOVER</c>: when the instance running a reply dies, a survivor stores what clients saw and goes on with the
    /// turn (true), or stores it <c>incomplete</c> and ends the run with an error event (false).
    /// </summary>
    [ConfigurationKeyName("RUN_TAKEOVER")]
    public bool Takeover { get; set; } = true;

    /// <summary>
    /// <c>RUN_CHECKPOINT_SECONDS</c>: without a shared event log (no Redis), how often a streaming reply's text so far is
    /// written to PostgreSQL; at most this much of what clients saw is lost when the instance dies.
    /// </summary>
    [ConfigurationKeyName("RUN_CHECKPOINT_SECONDS")]
    [Range(1, 60, ErrorMessage = "RUN_CHECKPOINT_SECONDS must be between {1} and {2}.")]
    public int CheckpointSeconds { get; set; } = 1;

    /// <summary>
    /// <c>INSTANCE_ID</c>: this instance's name on the claims it holds (default: the host name, which a restarted container
    /// keeps, so it recovers its own runs at start). Every instance running at once needs its own.
    /// </summary>
    [ConfigurationKeyName("INSTANCE_ID")]
    [MaxLength(200, ErrorMessage = "INSTANCE_ID must be at most {1} characters.")]
    public string InstanceId { get; set; } = Environment.MachineName;

    /// <summary>How long a connected client waits for its reply to be stored before hearing that it is not stored yet.</summary>
    public TimeSpan SaveWait { get; set; } = TimeSpan.FromSeconds(10);
}
