using System.Globalization;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Usage;

public sealed record UsageDayDto(string Date, int Runs, long PromptTokens, long CompletionTokens, long TotalTokens, decimal CostUsd)
{
    public static UsageDayDto From(UsageDay d) =>
        new(d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Runs, d.PromptTokens, d.CompletionTokens, d.TotalTokens, d.CostUsd);
}

public sealed record UsageBudgetDto(int? TokensPerDay, long? RemainingToday, DateTime ResetsAt);

public sealed record UsageDto(UsageDayDto Today, IReadOnlyList<UsageDayDto> Days, UsageBudgetDto Budget);

/// <summary><c>GET /usage?days=N</c>: the caller's own usage by UTC day, and what is left of today's budget.</summary>
public sealed record GetUsageQuery(string UserId, int? Days) : IQuery<Result<UsageDto>>;

public sealed class GetUsageValidator : AbstractValidator<GetUsageQuery>
{
    public GetUsageValidator() =>
        RuleFor(q => q.Days).InclusiveBetween(1, 90).When(q => q.Days is not null).WithMessage("days must be between 1 and 90");
}

public sealed class GetUsageHandler(IUsageStore usage, TimeProvider clock, Plans.PlanCatalog plans) : IQueryHandler<GetUsageQuery, Result<UsageDto>>
{
    public async ValueTask<Result<UsageDto>> Handle(GetUsageQuery query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var days = await usage.DaysAsync(query.UserId, today.AddDays(1 - (query.Days ?? 30)), cancellationToken).ConfigureAwait(false);
        var todays = days.FirstOrDefault(d => d.Date == today) ?? new UsageDay(today, 0, 0, 0, 0, 0);
        var budget = plans.Current.TokensPerDay;
        return new UsageDto(
            UsageDayDto.From(todays),
            days.Select(UsageDayDto.From).ToList(),
            new UsageBudgetDto(
                budget > 0 ? budget : null,
                budget > 0 ? Math.Max(0, budget - todays.TotalTokens) : null,
                BudgetOptions.ResetsAt(now).UtcDateTime));
    }
}
