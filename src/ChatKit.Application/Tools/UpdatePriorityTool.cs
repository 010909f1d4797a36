using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using Mediator;
using ChatKit.Domain.Tasks;

namespace ChatKit.Application.Tools;

/// <remarks>Sends its task command through the mediator, as the REST API and the widget actions do.</remarks>
public sealed class UpdatePriorityTool(ISender sender) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "update_priority",
        "Set a task's priority.",
        TaskToolResults.Schema("""
            {"type":"object","properties":{
              "task_id":{"type":"string"},
              "priority":{"type":"string","enum":["low","medium","high"]}},
             "required":["task_id","priority"]}
            """));

    public string Title(ToolArguments args) => $"Setting a task's priority to {args.String("priority")}";

    public string Summarize(JsonObject result) => $"Priority is now {(string?)result["priority"]}";

    public string Icon => "write";

    public string? Changed(JsonObject result) => TaskChange.Updated;

    public bool ChangesTasks => true;

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct)
    {
        var changes = new TaskChanges(Priority: args.RequiredString("priority"));
        return TaskToolResults.Of(
            await sender.Send(new UpdateTaskCommand(userId, args.RequiredString("task_id"), changes), ct).ConfigureAwait(false),
            t => new() { ["task_id"] = t.Id.ToString(), ["priority"] = t.Priority });
    }
}
