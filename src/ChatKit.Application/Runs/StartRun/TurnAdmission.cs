using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.Engine;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Runs.StartRun;

/// <summary>What a start asks of the session besides its facts.</summary>
/// <param name="ThreadMatches">Whether the path's thread id is the session's (checked after ownership, as the contract orders).</param>
/// <param name="IsRetry">A retry runs again from a stored message: no message cap, but its item must exist.</param>
public sealed record AdmissionRequest(bool ThreadMatches, bool IsRetry, int MaxMessagesPerSession, Budgets Budgets)
{
    /// <summary>A retry needs its item; a continuation (a client tool's answer) goes on from the thread's last step instead.</summary>
    public bool NeedsItem { get; init; } = true;

    /// <summary>
    /// A dead instance's run keeps its session until a survivor takes it over (there is one when the event log is shared):
    /// a new turn then would lose the reply its clients watched.
    /// </summary>
    public bool OrphansWait { get; init; }
}

/// <summary>
/// Whether a turn may start, from the facts its start transaction read: the contract's one order of refusals, for a new
/// message and a retry alike. Pure: no store, no clock.
/// </summary>
public static class TurnAdmission
{
    public static BeginTurnOutcome Decide(TurnFacts facts, AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(request);
        var budgets = request.Budgets;
        return facts switch
        {
            { SessionCreated: false } => BeginTurnOutcome.SessionLimit,
            { Exists: false } => BeginTurnOutcome.NotFound,
            { Owned: false } => BeginTurnOutcome.Forbidden,
            _ when !request.ThreadMatches => BeginTurnOutcome.ThreadNotFound,
            _ when !request.IsRetry && facts.MessageCount >= request.MaxMessagesPerSession => BeginTurnOutcome.MessageLimit,
            { Busy: true } => BeginTurnOutcome.RunInProgress,
            { Orphaned: true } when request.OrphansWait => BeginTurnOutcome.RunInProgress,
            { RetryItem: null } when request.IsRetry && request.NeedsItem => BeginTurnOutcome.ItemNotFound,
            _ when budgets.MaxCostPerDayUsd > 0 && facts.CostToday >= budgets.MaxCostPerDayUsd => BeginTurnOutcome.DailyCostLimit,
            _ when budgets.UserCostPerDayUsd > 0 && facts.UserCostToday >= budgets.UserCostPerDayUsd => BeginTurnOutcome.DailyCostLimit,
            _ when budgets.TokensPerUserPerDay > 0 && facts.TokensSpent >= budgets.TokensPerUserPerDay => BeginTurnOutcome.TokenBudgetExceeded,
            _ => BeginTurnOutcome.Started,
        };
    }

    /// <summary>The title a new message gives the session: only its first message, and only while the title follows it.</summary>
    public static string? NewTitle(TurnFacts facts, string? titleIfFirst) =>
        facts is { AutoTitle: true, MessageCount: 0 } ? titleIfFirst : null;

    /// <summary>What a starting run holds against its user's token budget: its prompt's estimate and the reserve.</summary>
    public static int Reservation(Budgets budgets, IReadOnlyList<ChatMessage> history, ChatMessage message) =>
        budgets.TokensPerUserPerDay <= 0 ? 0 : budgets.Reserve + TokenEstimate.Of(history.Sum(PromptBuilder.CharsOf) + PromptBuilder.CharsOf(message));
}
