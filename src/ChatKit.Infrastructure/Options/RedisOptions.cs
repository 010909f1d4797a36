using Microsoft.Extensions.Configuration;

namespace ChatKit.Infrastructure.Options;

/// <summary><c>REDIS_URL</c>: shared rate limits, run events and cancel signals across instances.</summary>
public sealed class RedisOptions
{
    [ConfigurationKeyName("REDIS_URL")]
    public string? Url { get; set; }
}
