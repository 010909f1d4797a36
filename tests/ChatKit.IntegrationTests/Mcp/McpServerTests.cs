using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ChatKit.IntegrationTests.Mcp;

/// <summary>The agent's tools over MCP, driven by the official SDK's own client against the real app.</summary>
public sealed class McpServerTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static async Task<McpClient> ConnectAsync(HttpClient http) =>
        await McpClient.CreateAsync(new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(http.BaseAddress!, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            http));

    [Test]
    public async Task Mcp_ServesTheAgentsTenToolsAndActsForTheTokensUser()
    {
        var user = ChatKitFactory.NewUser();
        using var http = App.ClientFor(user);
        await using var client = await ConnectAsync(http);

        var tools = await client.ListToolsAsync();
        Assert.That(tools.Select(t => t.Name).Order(), Is.EqualTo(new[]
        {
            "add_tags", "add_task", "complete_task", "delete_task", "list_tags", "list_tasks", "remove_tags", "search_tasks", "update_priority", "update_task",
        }));

        var added = await client.CallToolAsync("add_task", new Dictionary<string, object?> { ["title"] = "Via MCP", ["tags"] = new[] { "mcp" } });
        var result = JsonNode.Parse(((TextContentBlock)added.Content[0]).Text)!;
        Assert.That(result["success"]!.GetValue<bool>(), Is.True);
        Assert.That(added.IsError, Is.Not.True);

        var tasks = (await (await http.GetAsync("/api/v1/tasks")).JsonAsync())["data"]!.AsArray();
        Assert.That(tasks.Single()!["title"]!.GetValue<string>(), Is.EqualTo("Via MCP"), "the same tasks the REST API and the agent see");
        Assert.That(tasks.Single()!["id"]!.GetValue<string>(), Is.EqualTo(result["task_id"]!.GetValue<string>()));

        var failed = await client.CallToolAsync("complete_task", new Dictionary<string, object?> { ["task_id"] = "nope" });
        Assert.That(failed.IsError, Is.True);
        Assert.That(((TextContentBlock)failed.Content[0]).Text, Is.EqualTo("""{"success":false,"error":"Task nope not found"}"""));
    }

    [Test]
    public async Task ATaskAddedOverMcp_IsWhatTheAgentsListTasksSeesInTheNextTurn()
    {
        var user = ChatKitFactory.NewUser();
        using var http = App.ClientFor(user);
        await using (var client = await ConnectAsync(http))
        {
            await client.CallToolAsync("add_task", new Dictionary<string, object?> { ["title"] = "Added from an IDE" });
        }

        var session = await http.CreateSessionAsync();
        await http.RunAsync(session, "What is on my list? #tool=list_tasks " + Guid.NewGuid());

        var messages = await http.MessagesAsync(session);
        var listed = messages.Single(m => m!["role"]!.GetValue<string>() == "tool")!;
        var result = JsonNode.Parse(listed["content"]![0]!["text"]!.GetValue<string>())!;
        Assert.That(result.ToJsonString(), Does.Contain("Added from an IDE"));
    }

    [Test]
    public async Task Mcp_CountsAgainstTheSameRateLimit()
    {
        await using var app = ChatKitFactory.Create(null, ("RATE_LIMIT_PER_MINUTE", "3"));
        using var http = app.ClientFor();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
            {
                Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await http.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (i == 3)
            {
                await response.AssertErrorAsync(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
            }
        }

        Assert.That(statuses.Take(3), Has.None.EqualTo(HttpStatusCode.TooManyRequests));
    }

    [Test]
    public async Task Mcp_CanBeTurnedOff()
    {
        await using var app = ChatKitFactory.Create(null, ("MCP_ENABLED", "false"));
        using var http = app.ClientFor();

        using var response = await http.PostAsync("/mcp", new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"));

        await response.AssertErrorAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Test]
    public async Task Mcp_WithoutAToken_Is401()
    {
        using var anonymous = App.CreateClient();

        using var response = await anonymous.PostAsync("/mcp", new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"));

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }
}
