using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Infrastructure.Options;

/// <summary><c>RATE_LIMIT_PER_MINUTE</c> (0 turns limiting off); with <c>REDIS_URL</c> the limits are shared by all instances.</summary>
public sealed class RateLimitOptions
{
    [ConfigurationKeyName("RATE_LIMIT_PER_MINUTE")]
    [Range(0, 1_000_000, ErrorMessage = "RATE_LIMIT_PER_MINUTE must be between {1} and {2}.")]
    public int PermitsPerMinute { get; set; } = 30;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest a request may wait on Redis before the instance's own counter decides.</summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>After a Redis failure, how long to count locally before trying Redis again.</summary>
    public TimeSpan RedisRetryAfter { get; set; } = TimeSpan.FromSeconds(2);
}
