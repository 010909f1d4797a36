namespace ChatKit.Application.Abstractions;

/// <summary>What a request's <c>Idempotency-Key</c> found.</summary>
public abstract record IdempotencyClaim
{
    /// <summary>The key is new (or expired): this request runs, and its outcome is recorded under the key.</summary>
    public sealed record First : IdempotencyClaim;

    /// <summary>The key was used with another request: <c>422 IDEMPOTENCY_KEY_REUSED</c>.</summary>
    public sealed record Reused : IdempotencyClaim;

    /// <summary>The first request started a run: attach to it.</summary>
    public sealed record Run(Guid RunId) : IdempotencyClaim;

    /// <summary>The first request was answered: answer the same.</summary>
    public sealed record Answered(int Status, string Body) : IdempotencyClaim;

    /// <summary>The first request is still being handled and has no outcome yet.</summary>
    public sealed record Pending : IdempotencyClaim;
}

/// <summary>Idempotency keys per user, kept <c>IDEMPOTENCY_TTL_HOURS</c>.</summary>
public interface IIdempotencyStore
{
    /// <summary>Claims the key for this request (its hash), or reports what the key already holds.</summary>
    Task<IdempotencyClaim> ClaimAsync(string userId, string key, byte[] requestHash, TimeSpan ttl, CancellationToken ct);

    Task RecordRunAsync(string userId, string key, Guid runId, CancellationToken ct);

    Task RecordAnswerAsync(string userId, string key, int status, string body, CancellationToken ct);

    /// <summary>Lets the key go (the request failed without an outcome to replay), so a retry runs afresh.</summary>
    Task ReleaseAsync(string userId, string key, CancellationToken ct);
}
