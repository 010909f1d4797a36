using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary>Bounds of the event log.</summary>
public sealed class RunEventOptions
{
    /// <summary><c>RUN_EVENTS_MAX</c>: events kept per run; past it the oldest go, and a resume from before them is 410.</summary>
    [ConfigurationKeyName("RUN_EVENTS_MAX")]
    [Range(100, 1_000_000, ErrorMessage = "RUN_EVENTS_MAX must be between {1} and {2}.")]
    public int MaxEventsPerRun { get; set; } = 20_000;

    /// <summary><c>RUN_EVENTS_TTL_SECONDS</c>: how long a finished run stays replayable.</summary>
    [ConfigurationKeyName("RUN_EVENTS_TTL_SECONDS")]
    [Range(10, 7 * 24 * 3600, ErrorMessage = "RUN_EVENTS_TTL_SECONDS must be between {1} and {2}.")]
    public int TtlSeconds { get; set; } = 600;
}
