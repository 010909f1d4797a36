using System.Diagnostics.Metrics;

namespace ChatKit.Application.Runs.Engine;

/// <summary>The service's own run instruments, on the <c>ChatKit.Runs</c> meter from the host's <see cref="IMeterFactory"/>.</summary>
public sealed class RunMetrics
{
    public const string MeterName = "ChatKit.Runs";

    private readonly Counter<long> _runs;
    private readonly Histogram<double> _firstToken;
    private readonly Histogram<double> _duration;
    private readonly Histogram<int> _steps;
    private readonly Counter<long> _toolCalls;
    private readonly Histogram<double> _toolDuration;
    private readonly Counter<long> _budgetRefusals;
    private readonly Counter<long> _recovered;
    private readonly Meter _meter;

    public RunMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = _meter = meters.Create(MeterName);
        _runs = meter.CreateCounter<long>("chatkit.runs", description: "Runs by outcome");
        _firstToken = meter.CreateHistogram<double>("chatkit.run.time_to_first_token", "ms", "From the start of the stream to the first text delta");
        _duration = meter.CreateHistogram<double>("chatkit.run.duration", "ms", "Whole runs, by outcome");
        _steps = meter.CreateHistogram<int>("chatkit.run.steps", description: "Model calls per run");
        _toolCalls = meter.CreateCounter<long>("chatkit.tool.calls", description: "Tool calls by tool and success");
        _toolDuration = meter.CreateHistogram<double>("chatkit.tool.duration", "ms", "Time a tool call took");
        _budgetRefusals = meter.CreateCounter<long>("chatkit.budget.refusals", description: "Runs refused before they started, by budget");
        _recovered = meter.CreateCounter<long>("chatkit.runs.recovered", description: "Runs of a dead instance taken over, by what became of them");
    }

    /// <summary>Publishes how many runs this instance is executing right now.</summary>
    public void ObserveActiveRuns(Func<int> active) =>
        _meter.CreateObservableGauge("chatkit.runs.active", active, description: "Runs this instance is executing");

    public void RunRecovered(string outcome) => _recovered.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void BudgetRefused(string budget) => _budgetRefusals.Add(1, new KeyValuePair<string, object?>("budget", budget));

    public void RunEnded(string outcome, double durationMs, double? firstTokenMs, int steps)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _runs.Add(1, tag);
        _duration.Record(durationMs, tag);
        _steps.Record(steps, tag);
        if (firstTokenMs is { } first)
        {
            _firstToken.Record(first);
        }
    }

    public void ToolCalled(string tool, bool success, double durationMs)
    {
        var tags = new[] { new KeyValuePair<string, object?>("tool", tool), new KeyValuePair<string, object?>("success", success) };
        _toolCalls.Add(1, tags);
        _toolDuration.Record(durationMs, tags);
    }
}
