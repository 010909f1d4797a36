using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using Mediator;

namespace ChatKit.Application.Tools;

/// <remarks>Sends its task command through the mediator, as the REST API and the widget actions do.</remarks>
public sealed class UpdateTaskTool(ISender sender) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "update_task",
        "Change a task's title, description or priority.",
        TaskToolResults.Schema("""
            {"type":"object","properties":{
              "task_id":{"type":"string"},
              "title":{"type":"string"},
              "description":{"type":"string"},
              "priority":{"type":"string","enum":["low","medium","high"]}},
             "required":["task_id"]}
            """));

    public string Title(ToolArguments args) =>
        args.String("title") is { } title ? $"Renaming a task to {TaskToolResults.Quote(title)}" : "Updating a task";

    public string Summarize(JsonObject result) => $"Updated {TaskToolResults.TitleOf(result)}";

    public string Icon => "write";

    public string? Changed(JsonObject result) => TaskChange.Updated;

    public bool ChangesTasks => true;

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct)
    {
        var changes = new TaskChanges(args.String("title"), args.String("description"), args.String("priority"));
        return TaskToolResults.Of(
            await sender.Send(new UpdateTaskCommand(userId, args.RequiredString("task_id"), changes), ct).ConfigureAwait(false),
            t => new() { ["task_id"] = t.Id.ToString(), ["title"] = t.Title });
    }
}
