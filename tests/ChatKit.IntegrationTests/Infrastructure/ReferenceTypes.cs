using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>
/// Checks what the service sent against the reference ChatKit server's own pydantic types (openai/chatkit-python 1.6.5,
/// copied under <c>tests/tools/chatkit-reference</c>): each body must validate as its type and serialise back, by alias
/// and without nulls, to exactly the keys and values sent. Needs python3 with pydantic 2 and jinja2 (the machine's).
/// </summary>
public static class ReferenceTypes
{
    public const string Event = "event";
    public const string Item = "item";
    public const string Thread = "thread";
    public const string ThreadsPage = "threads_page";
    public const string ItemsPage = "items_page";
    public const string SyncActionResponse = "sync_action_response";
    public const string Request = "request";
    public const string Attachment = "attachment";

    /// <summary>Fails the test naming every body that is not what the reference server would send.</summary>
    public static async Task AssertValidAsync(IEnumerable<(string Kind, JsonNode Json)> bodies)
    {
        var input = new StringBuilder();
        var count = 0;
        foreach (var (kind, json) in bodies)
        {
            input.Append(new JsonObject { ["as"] = kind, ["json"] = json.DeepClone() }.ToJsonString()).Append('\n');
            count++;
        }

        Assert.That(count, Is.GreaterThan(0), "nothing to check");
        var script = Path.Combine(ExternalTools.ToolsDirectory, "chatkit-reference", "check.py");
        var path = Path.Combine(Path.GetTempPath(), $"chatkit-reference-{Guid.NewGuid():N}.ndjson");
        await File.WriteAllTextAsync(path, input.ToString());
        try
        {
            var outcome = await ExternalTools.RunAsync("bash", ["-c", $"python3 '{script}' < '{path}'"], ExternalTools.RepositoryRoot, TimeSpan.FromMinutes(1));
            var failures = outcome.Output.Split('\n').Where(l => l.Length > 0 && l != "ok").ToList();
            Assert.That(failures, Is.Empty, $"{failures.Count} of {count} bodies are not the reference's:\n" + string.Join('\n', failures));
            Assert.That(outcome.Output.Split('\n').Count(l => l == "ok"), Is.EqualTo(count), outcome.Output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The events of a stream (each <c>data:</c> line that is JSON).</summary>
    public static IEnumerable<(string Kind, JsonNode Json)> Events(IEnumerable<JsonNode> events) =>
        events.Select(e => (Event, e));

    public static JsonNode Parse(string json) => JsonNode.Parse(json) ?? throw new JsonException("null body");
}
