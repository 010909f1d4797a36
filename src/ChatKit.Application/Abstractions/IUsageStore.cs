namespace ChatKit.Application.Abstractions;

/// <summary>A UTC day of a user's usage.</summary>
public sealed record UsageDay(DateOnly Date, int Runs, long PromptTokens, long CompletionTokens, long TotalTokens, decimal CostUsd);

/// <summary>What a user holds and spent today, against their plan's limits.</summary>
public sealed record AccountUsage(long TokensToday, decimal CostToday, int Sessions, int Tasks, long AttachmentBytes);

public sealed record UsageTotals(long PromptTokens, long CompletionTokens, long TotalTokens, decimal CostUsd);

/// <summary>Reads of the usage ledger (it is written with a turn's messages, through <see cref="ITurnWriter"/>).</summary>
public interface IUsageStore
{
    /// <summary>The user's days since <paramref name="from"/> (inclusive) that had model calls, oldest first.</summary>
    Task<IReadOnlyList<UsageDay>> DaysAsync(string userId, DateOnly from, CancellationToken ct);

    /// <summary>The user's tokens and cost since <paramref name="dayStart"/>, and what they hold now, in one round trip.</summary>
    Task<AccountUsage> AccountAsync(string userId, DateTime dayStart, CancellationToken ct);
}
