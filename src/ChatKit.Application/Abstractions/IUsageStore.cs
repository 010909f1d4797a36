namespace ChatKit.Application.Abstractions;

/// <summary>A UTC day of a user's usage.</summary>
public sealed record UsageDay(DateOnly Date, int Runs, long PromptTokens, long CompletionTokens, long TotalTokens, decimal CostUsd);

public sealed record UsageTotals(long PromptTokens, long CompletionTokens, long TotalTokens, decimal CostUsd);

/// <summary>Reads of the usage ledger (it is written with a turn's messages, through <see cref="ITurnWriter"/>).</summary>
public interface IUsageStore
{
    /// <summary>The user's days since <paramref name="from"/> (inclusive) that had model calls, oldest first.</summary>
    Task<IReadOnlyList<UsageDay>> DaysAsync(string userId, DateOnly from, CancellationToken ct);
}
