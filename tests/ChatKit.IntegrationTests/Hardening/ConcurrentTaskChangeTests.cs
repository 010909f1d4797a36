using System.Text;
using ModelContextProtocol.Client;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>The REST API, MCP and the assistant change the same tasks at once: every acknowledged change persists.</summary>
public sealed class ConcurrentTaskChangeTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> AddTaskAsync(HttpClient client)
    {
        using var created = await client.PostAsync("/api/v1/tasks", Json("""{"title":"Original","priority":"medium"}"""));
        return (await created.JsonAsync())["data"]!["id"]!.GetValue<string>();
    }

    [Test]
    public async Task FourConcurrentPatchesOfDifferentFields_AllPersist([Range(1, 5)] int trial)
    {
        using var client = App.ClientFor();
        var id = await AddTaskAsync(client);

        string[] patches = ["""{"title":"Renamed"}""", """{"completed":true}""", """{"priority":"high"}""", """{"description":"Noted"}"""];
        var answers = await Task.WhenAll(patches.Select(p => client.PatchAsync($"/api/v1/tasks/{id}", Json(p))));

        Assert.That(answers.Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        var task = (await (await client.GetAsync($"/api/v1/tasks/{id}")).JsonAsync())["data"]!;
        Assert.That(task["title"]!.GetValue<string>(), Is.EqualTo("Renamed"));
        Assert.That(task["completed"]!.GetValue<bool>(), Is.True);
        Assert.That(task["priority"]!.GetValue<string>(), Is.EqualTo("high"));
        Assert.That(task["description"]!.GetValue<string>(), Is.EqualTo("Noted"));
    }

    [Test]
    public async Task TenConcurrentMcpAddTags_AllSurvive()
    {
        using var http = App.ClientFor();
        var id = await AddTaskAsync(http);
        await using var mcp = await McpClient.CreateAsync(new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(http.BaseAddress!, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            http));

        var calls = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            mcp.CallToolAsync("add_tags", new Dictionary<string, object?> { ["task_id"] = id, ["tags"] = new[] { $"tag{i}" } }).AsTask()));

        Assert.That(calls.Select(c => c.IsError), Is.All.Not.True);
        var tags = (await (await http.GetAsync($"/api/v1/tasks/{id}")).JsonAsync())["data"]!["tags"]!.AsArray().Select(t => t!.GetValue<string>());
        Assert.That(tags.Order(), Is.EqualTo(Enumerable.Range(0, 10).Select(i => $"tag{i}").Order()));
    }
}
