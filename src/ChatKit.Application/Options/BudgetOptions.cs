using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

using ChatKit.Application.Abstractions;

namespace ChatKit.Application.Options;

/// <summary>Daily budgets, checked in a turn's start transaction (0 = unlimited).</summary>
public sealed class BudgetOptions
{
    /// <summary><c>TOKENS_PER_USER_PER_DAY</c>.</summary>
    [ConfigurationKeyName("TOKENS_PER_USER_PER_DAY")]
    [Range(0, int.MaxValue, ErrorMessage = "TOKENS_PER_USER_PER_DAY must be 0 or more.")]
    public int TokensPerUserPerDay { get; set; }

    /// <summary><c>MAX_COST_PER_DAY_USD</c>, for everyone together.</summary>
    [ConfigurationKeyName("MAX_COST_PER_DAY_USD")]
    [Range(typeof(decimal), "0", "1000000", ErrorMessage = "MAX_COST_PER_DAY_USD must be between {1} and {2}.")]
    public decimal MaxCostPerDayUsd { get; set; }

    /// <summary>
    /// <c>RUN_TOKEN_RESERVE</c>: tokens a run in flight holds against its user's budget (on top of its prompt's estimate)
    /// until its real usage is recorded, so concurrent starts cannot all slip past an almost-spent budget.
    /// </summary>
    [ConfigurationKeyName("RUN_TOKEN_RESERVE")]
    [Range(0, 1_000_000, ErrorMessage = "RUN_TOKEN_RESERVE must be between {1} and {2}.")]
    public int RunTokenReserve { get; set; } = 500;

    public Budgets ToBudgets() => new(TokensPerUserPerDay, MaxCostPerDayUsd, RunTokenReserve);

    /// <summary>The next UTC midnight: when daily budgets reset.</summary>
    public static DateTimeOffset ResetsAt(DateTimeOffset now) => new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
}
