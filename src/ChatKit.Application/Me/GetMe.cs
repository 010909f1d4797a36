using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Application.Plans;
using Mediator;

namespace ChatKit.Application.Me;

/// <summary>A plan's limits; null = unlimited.</summary>
public sealed record PlanLimitsDto(
    int? RequestsPerMinute,
    int? TokensPerDay,
    decimal? CostPerDayUsd,
    int? MaxSessions,
    int MaxMessagesPerSession,
    int? MaxTasks,
    IReadOnlyList<string> Models,
    long? AttachmentBytes);

public sealed record UsageTodayDto(long Tokens, decimal CostUsd, int Sessions, int Tasks, long AttachmentBytes);

/// <summary>What is left of each limit (null = unlimited), never below zero.</summary>
public sealed record RemainingDto(long? TokensToday, decimal? CostUsdToday, int? Sessions, int? Tasks, long? AttachmentBytes);

/// <summary><c>GET /api/v1/me</c>: who the caller is, their plan, its limits, today's usage and what remains.</summary>
public sealed record MeDto(string UserId, string Plan, PlanLimitsDto Limits, UsageTodayDto UsageToday, RemainingDto Remaining, DateTime ResetsAt);

/// <param name="RequestsPerMinute">The edge's rate limit for the caller (the plan's, else the global setting).</param>
public sealed record GetMeQuery(string UserId, int RequestsPerMinute) : IQuery<Result<MeDto>>;

public sealed class GetMeHandler(IUsageStore usage, PlanCatalog plans, TimeProvider clock) : IQueryHandler<GetMeQuery, Result<MeDto>>
{
    public async ValueTask<Result<MeDto>> Handle(GetMeQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var plan = plans.Current;
        var now = clock.GetUtcNow();
        var held = await usage.AccountAsync(query.UserId, now.UtcDateTime.Date, cancellationToken).ConfigureAwait(false);
        var limits = new PlanLimitsDto(
            Limit(query.RequestsPerMinute), Limit(plan.TokensPerDay), plan.CostPerDayUsd > 0 ? plan.CostPerDayUsd : null, Limit(plan.MaxSessions),
            plan.MaxMessagesPerSession, Limit(plan.MaxTasks), plan.Models, plan.AttachmentBytes > 0 ? plan.AttachmentBytes : null);
        var remaining = new RemainingDto(
            limits.TokensPerDay is { } tokens ? Math.Max(0, tokens - held.TokensToday) : null,
            limits.CostPerDayUsd is { } cost ? Math.Max(0, cost - held.CostToday) : null,
            limits.MaxSessions is { } sessions ? Math.Max(0, sessions - held.Sessions) : null,
            limits.MaxTasks is { } tasks ? Math.Max(0, tasks - held.Tasks) : null,
            limits.AttachmentBytes is { } bytes ? Math.Max(0, bytes - held.AttachmentBytes) : null);
        return new MeDto(
            query.UserId,
            plan.Name,
            limits,
            new UsageTodayDto(held.TokensToday, held.CostToday, held.Sessions, held.Tasks, held.AttachmentBytes),
            remaining,
            BudgetOptions.ResetsAt(now).UtcDateTime);
    }

    private static int? Limit(int value) => value > 0 ? value : null;
}
