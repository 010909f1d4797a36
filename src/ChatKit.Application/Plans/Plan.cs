namespace ChatKit.Application.Plans;

/// <summary>
/// The limits that apply to a request: its plan's, each falling back to the global setting (0 = unlimited, as the
/// global settings say). <see cref="RequestsPerMinute"/> is null when the plan does not set it (the rate limiter's own
/// setting applies; it lives at the edge).
/// </summary>
public sealed record Plan(
    string Name,
    int? RequestsPerMinute,
    int TokensPerDay,
    decimal CostPerDayUsd,
    int MaxSessions,
    int MaxMessagesPerSession,
    int MaxTasks,
    IReadOnlyList<string> Models,
    long AttachmentBytes)
{
    public const string DefaultName = "default";
}
