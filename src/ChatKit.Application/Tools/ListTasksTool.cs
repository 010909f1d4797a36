using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using ChatKit.Domain.Tasks;

namespace ChatKit.Application.Tools;

public sealed class ListTasksTool(TaskService tasks) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "list_tasks",
        "List the user's tasks, newest first.",
        TaskToolResults.Schema("""
            {"type":"object","properties":{
              "status":{"type":"string","enum":["all","pending","completed"],"description":"Which tasks (default all)"}}}
            """));

    public string Title(ToolArguments args) => args.String("status") is { } s and not "all" ? $"Listing {s} tasks" : "Listing tasks";

    public string Summarize(JsonObject result) => TaskToolResults.Found(result, "task");

    public string Icon => "search";

    public bool ListsTasks => true;

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct)
    {
        var status = TaskRules.ParseStatus(args.String("status"))
            ?? throw new ToolArgumentException("status must be all, pending or completed");
        var page = await tasks.ListAsync(userId, new TaskQuery(status, Limit: TaskToolResults.ListLimit), ct).ConfigureAwait(false);
        return TaskToolResults.List(page);
    }
}
