using System.ComponentModel.DataAnnotations;

namespace ChatKit.Api.Options;

/// <summary><c>IDEMPOTENCY_TTL_HOURS</c>: how long an <c>Idempotency-Key</c> holds what its request became.</summary>
public sealed class IdempotencySettings
{
    [ConfigurationKeyName("IDEMPOTENCY_TTL_HOURS")]
    [Range(1, 24 * 30, ErrorMessage = "IDEMPOTENCY_TTL_HOURS must be between {1} and {2}.")]
    public int TtlHours { get; set; } = 24;
}
