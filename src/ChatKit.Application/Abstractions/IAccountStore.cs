namespace ChatKit.Application.Abstractions;

/// <summary>What an erasure removed (and, for the ledger, kept without the user).</summary>
public sealed record ErasureCounts(int Sessions, int Messages, int Tasks, int Attachments, int IdempotencyKeys, int UsageRowsAnonymised);

/// <summary>Everything a user holds, as one: their erasure, and the retention of idle sessions.</summary>
public interface IAccountStore
{
    /// <summary>
    /// Deletes everything of the user in one transaction (sessions with their messages, widgets, attachments and their
    /// bytes; unattached attachments; tasks; idempotency records) and hands their usage rows to
    /// <paramref name="anonymousId"/> (ADR-025). A second call finds nothing and deletes nothing.
    /// </summary>
    /// <returns>What was erased; null, nothing erased, while a reply is being written in one of the user's sessions.</returns>
    Task<ErasureCounts?> EraseAsync(string userId, string anonymousId, CancellationToken ct);

    /// <summary>
    /// Deletes up to <paramref name="batch"/> sessions not updated since <paramref name="before"/> and holding no run; null
    /// when another instance is sweeping (one at a time, an advisory lock).
    /// </summary>
    Task<int?> DeleteIdleSessionsAsync(DateTime before, int batch, CancellationToken ct);
}
