namespace ChatKit.Infrastructure.Llm;

/// <summary>
/// The names the service's telemetry is published under, in one place: the GenAI semantic conventions are still marked
/// "development" upstream and may be renamed.
/// </summary>
public static class TelemetryNames
{
    /// <summary>The activity source and meter of the model calls (<c>gen_ai.client.operation.duration</c>, <c>gen_ai.client.token.usage</c>).</summary>
    public const string GenAi = "ChatKit.GenAI";
}
