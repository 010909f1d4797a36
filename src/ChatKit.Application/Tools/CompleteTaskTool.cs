using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using Mediator;

namespace ChatKit.Application.Tools;

/// <summary>Sets <c>completed</c> as asked (the original toggled it, so a repeated call undid itself).</summary>
/// <remarks>Sends its task command through the mediator, as the REST API and the widget actions do.</remarks>
public sealed class CompleteTaskTool(ISender sender) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "complete_task",
        "Mark a task as completed (or, with completed=false, as not completed).",
        TaskToolResults.Schema("""
            {"type":"object","properties":{
              "task_id":{"type":"string","description":"The task's id"},
              "completed":{"type":"boolean","description":"Default true"}},
             "required":["task_id"]}
            """));

    public string Title(ToolArguments args) => args.Bool("completed") == false ? "Marking a task as not done" : "Marking a task as done";

    public string Summarize(JsonObject result) => (bool?)result["completed"] == false ? "Marked not done" : "Marked done";

    public string Icon => "check";

    public string? Changed(JsonObject result) => (bool?)result["completed"] == false ? TaskChange.Reopened : TaskChange.Completed;

    public bool ChangesTasks => true;

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct)
    {
        var completed = args.Bool("completed") ?? true;
        return TaskToolResults.Of(
            await sender.Send(new UpdateTaskCommand(userId, args.RequiredString("task_id"), new TaskChanges(Completed: completed)), ct).ConfigureAwait(false),
            t => new() { ["task_id"] = t.Id.ToString(), ["completed"] = t.Completed });
    }
}
