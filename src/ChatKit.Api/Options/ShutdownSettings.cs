using System.ComponentModel.DataAnnotations;

namespace ChatKit.Api.Options;

/// <summary>
/// Stopping: how long runs get to finish by themselves before the rest are ended with their replies so far stored. The
/// host's shutdown timeout is set 15 s longer, for the turn writer to store what they leave.
/// </summary>
public sealed class ShutdownSettings
{
    public const double ExtraForWrites = 15;

    [ConfigurationKeyName("RUN_DRAIN_SECONDS")]
    [Range(0, 3600, ErrorMessage = "RUN_DRAIN_SECONDS must be between {1} and {2}.")]
    public double DrainSeconds { get; set; } = 20;
}
