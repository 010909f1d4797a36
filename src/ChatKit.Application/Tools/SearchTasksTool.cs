using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using ChatKit.Domain.Tasks;

namespace ChatKit.Application.Tools;

public sealed class SearchTasksTool(TaskService tasks) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "search_tasks",
        "Find tasks by keyword (in title or description), status, priority or tag, sorted as asked.",
        TaskToolResults.Schema("""
            {"type":"object","properties":{
              "keyword":{"type":"string"},
              "status":{"type":"string","enum":["all","pending","completed"]},
              "priority":{"type":"string","enum":["low","medium","high"]},
              "tag":{"type":"string"},
              "sort_by":{"type":"string","enum":["created_at","updated_at","priority","title"]},
              "sort_order":{"type":"string","enum":["asc","desc"]}}}
            """));

    public string Title(ToolArguments args) =>
        args.String("keyword") is { Length: > 0 } k ? $"Searching tasks for {TaskToolResults.Quote(k)}" : "Searching tasks";

    public string Summarize(JsonObject result) => TaskToolResults.Found(result, "task");

    public string Icon => "search";

    public bool ListsTasks => true;

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct)
    {
        var status = TaskRules.ParseStatus(args.String("status"))
            ?? throw new ToolArgumentException("status must be all, pending or completed");
        TaskPriority? priority = args.String("priority") is { } p
            ? TaskRules.ParsePriority(p) ?? throw new ToolArgumentException("priority must be low, medium or high")
            : null;
        var sortBy = (args.String("sort_by") ?? "created_at") switch
        {
            "created_at" => TaskSort.CreatedAt,
            "updated_at" => TaskSort.UpdatedAt,
            "priority" => TaskSort.Priority,
            "title" => TaskSort.Title,
            _ => throw new ToolArgumentException("sort_by must be created_at, updated_at, priority or title"),
        };
        var descending = (args.String("sort_order") ?? (sortBy == TaskSort.Title ? "asc" : "desc")) switch
        {
            "asc" => false,
            "desc" => true,
            _ => throw new ToolArgumentException("sort_order must be asc or desc"),
        };
        var query = new TaskQuery(status, args.String("keyword"), args.String("tag"), priority, sortBy, descending, TaskToolResults.ListLimit);
        return TaskToolResults.List(await tasks.ListAsync(userId, query, ct).ConfigureAwait(false));
    }
}
