using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Tasks;

namespace ChatKit.Application.Tools;

/// <summary>The shapes the task tools answer with (contract: agent-and-tasks.md), built in one place.</summary>
internal static class TaskToolResults
{
    public static JsonElement Schema(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static ToolOutcome Of<T>(Result<T> result, Func<T, JsonObject> fields)
    {
        if (!result.IsSuccess)
        {
            return ToolOutcome.Failed(Reason(result.Error!));
        }

        var body = new JsonObject { ["success"] = true };
        foreach (var (key, value) in fields(result.Value))
        {
            body[key] = value?.DeepClone();
        }

        return new ToolOutcome(true, body);
    }

    public static string Reason(Error error) =>
        error.Details is { Count: > 0 } details ? string.Join("; ", details.Select(d => d.Message)) : error.Message;

    public static JsonArray Tags(IReadOnlyList<string> tags) => new(tags.Select(t => (JsonNode)JsonValue.Create(t)).ToArray());

    public static ToolOutcome List(TaskPage page)
    {
        var tasks = new JsonArray(page.Items.Select(t => (JsonNode)new JsonObject
        {
            ["id"] = t.Id.ToString(),
            ["title"] = t.Title,
            ["completed"] = t.Completed,
            ["priority"] = TaskRules.Name(t.Priority),
            ["tags"] = Tags(t.Tags),
        }).ToArray());
        return new ToolOutcome(true, new JsonObject { ["success"] = true, ["count"] = page.Items.Count, ["tasks"] = tasks });
    }

    public static string Found(JsonObject result, string noun) =>
        (int?)result["count"] is 1 ? $"Found 1 {noun}" : $"Found {(int?)result["count"] ?? 0} {noun}s";

    public static string TitleOf(JsonObject result) => Quote((string?)result["title"] ?? string.Empty);

    public static string TagsOf(JsonObject result) =>
        string.Join(", ", (result["tags"] as JsonArray ?? []).Select(t => (string?)t));

    /// <summary>The most a list tool sends back to the model; a bigger answer costs tokens and helps no one.</summary>
    public const int ListLimit = 50;

    public static string Quote(string text) => $"“{text}”";
}
