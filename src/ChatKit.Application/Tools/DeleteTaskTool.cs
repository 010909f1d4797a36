using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;

namespace ChatKit.Application.Tools;

public sealed class DeleteTaskTool(TaskService tasks) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "delete_task",
        "Delete a task for good.",
        TaskToolResults.Schema("""
            {"type":"object","properties":{"task_id":{"type":"string"}},"required":["task_id"]}
            """));

    public string Title(ToolArguments args) => "Deleting a task";

    public string Summarize(JsonObject result) => "Deleted the task";

    public string Icon => "lucide:trash-2";

    public string? Changed(JsonObject result) => TaskChange.Deleted;

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct) =>
        TaskToolResults.Of(
            await tasks.DeleteAsync(userId, args.RequiredString("task_id"), ct).ConfigureAwait(false),
            id => new() { ["task_id"] = id.ToString() });
}
