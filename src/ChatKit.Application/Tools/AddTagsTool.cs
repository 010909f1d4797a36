using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using Mediator;

namespace ChatKit.Application.Tools;

/// <remarks>Sends its task command through the mediator, as the REST API and the widget actions do.</remarks>
public sealed class AddTagsTool(ISender sender) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "add_tags",
        "Add tags to a task (tags it already has are kept once).",
        TaskToolResults.Schema("""
            {"type":"object","properties":{
              "task_id":{"type":"string"},
              "tags":{"type":"array","items":{"type":"string"}}},
             "required":["task_id","tags"]}
            """));

    public string Title(ToolArguments args) => $"Tagging a task with {string.Join(", ", args.Strings("tags") ?? [])}";

    public string Summarize(JsonObject result) => $"Tags: {TaskToolResults.TagsOf(result)}";

    public string Icon => "lucide:tag";

    public string? Changed(JsonObject result) => TaskChange.Updated;

    public bool ChangesTasks => true;

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct) =>
        TaskToolResults.Of(
            await sender.Send(new AddTagsCommand(userId, args.RequiredString("task_id"), args.RequiredStrings("tags")), ct).ConfigureAwait(false),
            t => new() { ["task_id"] = t.Id.ToString(), ["tags"] = TaskToolResults.Tags(t.Tags) });
}
