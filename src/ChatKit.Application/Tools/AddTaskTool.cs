using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using Mediator;

namespace ChatKit.Application.Tools;

/// <remarks>Sends its task command through the mediator, as the REST API and the widget actions do.</remarks>
public sealed class AddTaskTool(ISender sender) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "add_task",
        "Add a new task to the user's task list.",
        TaskToolResults.Schema("""
            {"type":"object","properties":{
              "title":{"type":"string","description":"Short title of the task (1-200 characters)"},
              "description":{"type":"string","description":"Optional details"},
              "priority":{"type":"string","enum":["low","medium","high"]},
              "tags":{"type":"array","items":{"type":"string"},"description":"Up to 10 tags"}},
             "required":["title"]}
            """));

    public string Title(ToolArguments args) => $"Adding task {TaskToolResults.Quote(args.String("title") ?? string.Empty)}";

    public string Summarize(JsonObject result) => $"Added {TaskToolResults.TitleOf(result)}";

    public string Icon => "plus";

    public string? Changed(JsonObject result) => TaskChange.Added;

    public bool ChangesTasks => true;

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct)
    {
        var draft = new TaskDraft(args.RequiredString("title"), args.String("description"), args.String("priority"), args.Strings("tags"));
        return TaskToolResults.Of(
            await sender.Send(new CreateTaskCommand(userId, draft), ct).ConfigureAwait(false),
            t => new() { ["task_id"] = t.Id.ToString(), ["title"] = t.Title });
    }
}
