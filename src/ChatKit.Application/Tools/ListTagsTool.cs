using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;

namespace ChatKit.Application.Tools;

public sealed class ListTagsTool(TaskService tasks) : IAgentTool
{
    public ToolDefinition Definition { get; } = new(
        "list_tags",
        "List every tag the user's tasks carry, with how many tasks carry each.",
        TaskToolResults.Schema("""{"type":"object","properties":{}}"""));

    public string Title(ToolArguments args) => "Listing tags";

    public string Summarize(JsonObject result) => (result["tags"] as JsonArray)?.Count is 1 ? "Found 1 tag" : $"Found {(result["tags"] as JsonArray)?.Count ?? 0} tags";

    public string Icon => "lucide:tags";

    public async Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct)
    {
        var tags = await tasks.ListTagsAsync(userId, ct).ConfigureAwait(false);
        var list = new JsonArray(tags.Select(t => (JsonNode)new JsonObject { ["tag"] = t.Tag, ["count"] = t.Count }).ToArray());
        return new ToolOutcome(true, new JsonObject { ["success"] = true, ["tags"] = list });
    }
}
