namespace ChatKit.Application.Plans;

/// <summary>One plan of <c>PLANS_FILE</c> as written: every limit optional (unset → the global setting).</summary>
public sealed record PlanDefinition
{
    public int? RequestsPerMinute { get; init; }

    public int? TokensPerDay { get; init; }

    public decimal? CostPerDayUsd { get; init; }

    public int? MaxSessions { get; init; }

    public int? MaxMessagesPerSession { get; init; }

    public int? MaxTasks { get; init; }

    /// <summary>The allowed subset of <c>MODELS</c>, the first the plan's default.</summary>
    public IList<string>? Models { get; init; }

    /// <summary>Attachment bytes a user may keep stored.</summary>
    public long? Attachments { get; init; }
}
