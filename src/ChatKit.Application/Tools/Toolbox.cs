using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Logging;

namespace ChatKit.Application.Tools;

/// <summary>
/// The tools on offer and the one way to run a call: parse its arguments, find the tool, act for the given user.
/// Whatever goes wrong in a call (unknown name, bad JSON, wrong arguments, a broken rule, even a fault) becomes a
/// <c>{"success":false,"error"}</c> result for the model, never a failed run.
/// </summary>
public sealed partial class Toolbox
{
    private readonly Dictionary<string, IAgentTool> _tools;
    private readonly ILogger<Toolbox> _logger;

    public Toolbox(IEnumerable<IAgentTool> tools, ILogger<Toolbox> logger)
    {
        _tools = tools.ToDictionary(t => t.Definition.Name, StringComparer.Ordinal);
        Definitions = _tools.Values.Select(t => t.Definition).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        _logger = logger;
    }

    public IReadOnlyList<ToolDefinition> Definitions { get; }

    public bool Knows(ToolCall call) => _tools.ContainsKey(call.Function.Name);

    /// <summary>A sentence describing the call for the person watching; never fails.</summary>
    public string TitleOf(ToolCall call)
    {
        if (!_tools.TryGetValue(call.Function.Name, out var tool))
        {
            return $"Calling an unknown tool ({call.Function.Name})";
        }

        try
        {
            return tool.Title(ToolArguments.Parse(call.Function.Arguments));
        }
        catch (ToolArgumentException)
        {
            return $"Calling {call.Function.Name}";
        }
    }

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolCall call, CancellationToken ct)
    {
        if (!_tools.TryGetValue(call.Function.Name, out var tool))
        {
            return ToolOutcome.Failed($"unknown tool: {call.Function.Name}");
        }

        try
        {
            return await tool.InvokeAsync(userId, ToolArguments.Parse(call.Function.Arguments), ct).ConfigureAwait(false);
        }
        catch (ToolArgumentException ex)
        {
            return ToolOutcome.Failed(ex.Message);
        }
        catch (Exception ex) when (Common.Outages.IsDatabaseUnavailable(ex))
        {
            // An outage, not a bug: one line, no stack (the outage itself is said once elsewhere).
            LogToolUnavailable(_logger, call.Function.Name, ex.GetType().Name);
            return ToolOutcome.Failed("the task store cannot be reached right now; try again later");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The arguments are not logged: they are the user's words.
            LogToolFailed(_logger, ex, call.Function.Name);
            return ToolOutcome.Failed("the tool failed unexpectedly; try again later");
        }
    }

    /// <summary>The short outcome people see for a call, from its stored result: the tool's own words, or the error.</summary>
    public string Summarize(ToolCall call, string resultJson)
    {
        JsonObject? result;
        try
        {
            result = JsonNode.Parse(resultJson) as JsonObject;
        }
        catch (JsonException)
        {
            result = null;
        }

        if (result is null)
        {
            return "Done";
        }

        if ((bool?)result["success"] != true)
        {
            return (string?)result["error"] ?? "Failed";
        }

        return _tools.TryGetValue(call.Function.Name, out var tool) ? tool.Summarize(result) : "Done";
    }

    /// <summary>The icon of the progress line while the call runs.</summary>
    public string IconOf(ToolCall call) => IconOf(call.Function.Name) ?? "bolt";

    /// <summary>A tool's icon; null when there is no such tool.</summary>
    public string? IconOf(string name) => _tools.TryGetValue(name, out var tool) ? tool.Icon : null;

    /// <summary>How the call changed a task, when it did (a failed call changed nothing).</summary>
    public TaskChange? ChangeOf(ToolCall call, ToolOutcome outcome) =>
        outcome.Success && _tools.TryGetValue(call.Function.Name, out var tool) && tool.Changed(outcome.Result) is { } kind
        && Guid.TryParse((string?)outcome.Result["task_id"], out var taskId)
            ? new TaskChange(taskId, kind)
            : null;

    /// <summary>Whether a successful call's result is a list of tasks (shown as the tasks widget).</summary>
    public bool ListsTasks(ToolCall call, ToolOutcome outcome) => outcome.Success && ListsTasks(call);

    /// <summary>Whether the call is of a tool that changes tasks.</summary>
    public bool ChangesTasks(ToolCall call) => _tools.TryGetValue(call.Function.Name, out var tool) && tool.ChangesTasks;

    /// <summary>Whether the call is of a listing tool (only such a step can have shown a widget).</summary>
    public bool ListsTasks(ToolCall call) => _tools.TryGetValue(call.Function.Name, out var tool) && tool.ListsTasks;

    public static string Serialize(ToolOutcome outcome) => outcome.Result.ToJsonString(JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool {Tool} could not reach the database ({Error})")]
    private static partial void LogToolUnavailable(ILogger logger, string tool, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Tool {Tool} failed unexpectedly")]
    private static partial void LogToolFailed(ILogger logger, Exception ex, string tool);
}
