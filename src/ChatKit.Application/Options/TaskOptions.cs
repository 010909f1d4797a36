using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary>The limits of a user's tasks.</summary>
public sealed class TaskOptions
{
    /// <summary><c>MAX_TASKS_PER_USER</c>; 0 = unlimited.</summary>
    [ConfigurationKeyName("MAX_TASKS_PER_USER")]
    [Range(0, 1_000_000, ErrorMessage = "MAX_TASKS_PER_USER must be between {1} and {2}.")]
    public int MaxTasksPerUser { get; set; } = 500;
}
