using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using Mediator;

namespace ChatKit.Application.Tools;

/// <remarks>Sends its task command through the mediator, as the REST API and the widget actions do.</remarks>
public sealed class DeleteTaskTool(ISender sender) : IAgentTool
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

    public bool ChangesTasks => true;

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct) =>
        TaskToolResults.Of(
            await sender.Send(new DeleteTaskCommand(userId, args.RequiredString("task_id")), ct).ConfigureAwait(false),
            deleted => new() { ["task_id"] = deleted.TaskId.ToString() });
}
