using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace ChatKit.IntegrationTests.Agent;

/// <summary>A tool turn end to end: the fake upstream scripts the model's tool calls, the service runs them over real PostgreSQL.</summary>
public sealed class AgentTurnTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static string Marker() => "#script-" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task Run_WhenTheModelCallsATool_RunsItForTheTokensUserStoresTheStepAndSendsTheResultBack()
    {
        var user = ChatKitFactory.NewUser();
        using var client = App.ClientFor(user);
        var id = await client.CreateSessionAsync();
        var marker = Marker();
        Upstream.Script(
            marker,
            ScriptStep.ToolCalls(new ScriptedCall("call_a1", "add_task", """{"title":"Buy milk","priority":"HIGH","tags":["home","Home"],"user_id":"mallory"}""")),
            ScriptStep.Text("Added ", "it."));

        var stream = await client.RunAsync(id, "remember milk " + marker);

        Assert.That(stream.DeltaText, Is.EqualTo("Added it."));
        var tasks = (await (await client.GetAsync("/api/v1/tasks")).JsonAsync())["data"]!.AsArray();
        Assert.That(tasks, Has.Count.EqualTo(1));
        Assert.That(tasks[0]!["title"]!.GetValue<string>(), Is.EqualTo("Buy milk"));
        Assert.That(tasks[0]!["priority"]!.GetValue<string>(), Is.EqualTo("high"));
        Assert.That(tasks[0]!["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "home" }));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM tasks WHERE user_id = 'mallory'"), Is.Zero, "the user comes from the JWT only");

        var messages = await client.MessagesAsync(id);
        Assert.That(messages.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "user", "assistant", "tool", "assistant" }));
        var step = messages[1]!;
        Assert.That(step["content"]![0]!["text"]!.GetValue<string>(), Is.Empty);
        Assert.That(step["tool_calls"]![0]!["id"]!.GetValue<string>(), Is.EqualTo("call_a1"));
        Assert.That(step["tool_calls"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("function"));
        Assert.That(step["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>(), Is.EqualTo("add_task"));
        Assert.That(step["tool_call_id"], Is.Null);
        var result = messages[2]!;
        Assert.That(result["tool_call_id"]!.GetValue<string>(), Is.EqualTo("call_a1"));
        Assert.That(result["tool_calls"], Is.Null);
        Assert.That(result["content"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("tool_result"));
        var resultJson = JsonNode.Parse(result["content"]![0]!["text"]!.GetValue<string>())!;
        Assert.That(resultJson["success"]!.GetValue<bool>(), Is.True);
        Assert.That(resultJson["task_id"]!.GetValue<string>(), Is.EqualTo(tasks[0]!["id"]!.GetValue<string>()));
        var session = (await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync())["data"]!;
        Assert.That(session["message_count"]!.GetValue<int>(), Is.EqualTo(3), "user and assistant messages count, tool results do not");

        var requests = Upstream.RequestsWith(marker);
        Assert.That(requests, Has.Count.EqualTo(2));
        Assert.That(requests[0].ToolNames, Has.Count.EqualTo(10));
        Assert.That(requests[0].Body["tool_choice"]!.GetValue<string>(), Is.EqualTo("auto"));
        var addTask = requests[0].Body["tools"]!.AsArray().Single(t => t!["function"]!["name"]!.GetValue<string>() == "add_task")!;
        Assert.That(addTask["type"]!.GetValue<string>(), Is.EqualTo("function"));
        Assert.That(addTask["function"]!["description"]!.GetValue<string>(), Is.Not.Empty);
        Assert.That(addTask["function"]!["parameters"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()), Does.Contain("title"));
        Assert.That(requests[1].Body["tools"]!.ToJsonString(), Is.EqualTo(requests[0].Body["tools"]!.ToJsonString()), "the same declarations on every call of the turn");
        var sent = requests[1].Body["messages"]!.AsArray();
        Assert.That(sent[^2]!["role"]!.GetValue<string>(), Is.EqualTo("assistant"));
        Assert.That(sent[^2]!["tool_calls"]![0]!["id"]!.GetValue<string>(), Is.EqualTo("call_a1"));
        Assert.That(sent[^1]!["role"]!.GetValue<string>(), Is.EqualTo("tool"));
        Assert.That(sent[^1]!["tool_call_id"]!.GetValue<string>(), Is.EqualTo("call_a1"));
        Assert.That(JsonNode.Parse(sent[^1]!["content"]!.GetValue<string>())!["success"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Run_WithToolCalls_StreamsAWorkflowItemWhoseTasksShowEachCall()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = Marker();
        Upstream.Script(
            marker,
            new ScriptStep(["Let me check."], [new ScriptedCall("c1", "add_task", """{"title":"Pay rent"}"""), new ScriptedCall("c2", "list_tasks", "{}")])
            {
                Finish = "tool_calls",
            },
            ScriptStep.Text("All done."));

        var stream = await client.RunAsync(id, "plan " + marker);

        var e = stream.Events;
        var summary = e.Select(Describe).ToList();
        string[] expected =
        [
            "thread.item.done:user_message", "stream_options",
            "thread.item.added:assistant_message", "update:assistant_message.content_part.added", "update:assistant_message.content_part.text_delta",
            "update:assistant_message.content_part.done", "thread.item.done:assistant_message",
            "thread.item.added:workflow", "progress_update", "update:workflow.task.updated", "client_effect",
            "update:workflow.task.added", "progress_update", "update:workflow.task.updated",
            "thread.item.done:workflow", "thread.item.done:widget",
            "thread.item.added:assistant_message", "update:assistant_message.content_part.added", "update:assistant_message.content_part.text_delta",
            "update:assistant_message.content_part.done", "thread.item.done:assistant_message", "thread.updated",
        ];
        Assert.That(summary, Is.EqualTo(expected));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));

        var messages = await client.MessagesAsync(id);
        var stepId = messages[1]!["id"]!.GetValue<string>();
        var workflow = e.Single(x => Describe(x) == "thread.item.done:workflow")["item"]!;
        Assert.That(workflow["id"]!.GetValue<string>(), Is.EqualTo("wf_" + stepId));
        Assert.That(workflow["workflow"]!["type"]!.GetValue<string>(), Is.EqualTo("custom"));
        Assert.That(workflow["workflow"]!["expanded"]!.GetValue<bool>(), Is.False);
        var tasks = workflow["workflow"]!["tasks"]!.AsArray();
        Assert.That(tasks.Select(t => t!["title"]!.GetValue<string>()), Is.EqualTo(new[] { "Adding task “Pay rent”", "Listing tasks" }));
        Assert.That(tasks.Select(t => t!["content"]!.GetValue<string>()), Is.EqualTo(new[] { "Added “Pay rent”", "Found 1 task" }));
        Assert.That(tasks.Select(t => t!["status_indicator"]!.GetValue<string>()), Is.All.EqualTo("complete"));
        var added = e.First(x => Describe(x) == "update:workflow.task.added")["update"]!;
        Assert.That(added["task"]!["status_indicator"]!.GetValue<string>(), Is.EqualTo("loading"));
        Assert.That(e[2]["item"]!["id"]!.GetValue<string>(), Is.EqualTo(stepId), "the step's text item is its stored message");
    }

    [Test]
    public async Task Run_WhenToolCallsFail_SendsTheErrorsToTheModelAndTheTurnStillCompletes()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = Marker();
        var missing = Guid.NewGuid();
        Upstream.Script(
            marker,
            ScriptStep.ToolCalls(
                new ScriptedCall("c1", "launch_rockets", "{}"),
                new ScriptedCall("c2", "add_task", "{\"title\": "),
                new ScriptedCall("c3", "complete_task", """{"task_id":"not-a-uuid"}"""),
                new ScriptedCall("c4", "delete_task", $$"""{"task_id":"{{missing}}"}"""),
                new ScriptedCall("c5", "add_task", """{"title":"   "}""")),
            ScriptStep.Text("Sorry."));

        var stream = await client.RunAsync(id, "break things " + marker);

        Assert.That(stream.Types, Does.Not.Contain("error"));
        var results = (await client.MessagesAsync(id)).Where(m => m!["role"]!.GetValue<string>() == "tool")
            .Select(m => JsonNode.Parse(m!["content"]![0]!["text"]!.GetValue<string>())!).ToList();
        Assert.That(results.Select(r => r["success"]!.GetValue<bool>()), Is.All.False);
        Assert.That(results.Select(r => r["error"]!.GetValue<string>()), Is.EqualTo(new[]
        {
            "unknown tool: launch_rockets",
            "arguments are not valid JSON",
            "Task not-a-uuid not found",
            $"Task {missing} not found",
            "title is required",
        }));
        Assert.That((await client.MessagesAsync(id))[^1]!["status"]!.GetValue<string>(), Is.EqualTo("completed"));
    }

    [TestCase(ToolCallQuirk.RepeatIndex)]
    [TestCase(ToolCallQuirk.OmitIndex)]
    [TestCase(ToolCallQuirk.EmptyType)]
    public async Task Run_WhenTheProviderStreamsToolCallsWithAQuirk_EachCallIsAssembledAndRun(ToolCallQuirk quirk)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = Marker();
        Upstream.Script(
            marker,
            ScriptStep.ToolCalls(
                new ScriptedCall("q1", "add_task", """{"title":"First task","description":"one"}"""),
                new ScriptedCall("q2", "add_task", """{"title":"Second task","description":"two"}""")) with
            { Quirk = quirk },
            ScriptStep.Text("ok"));

        var stream = await client.RunAsync(id, "two tasks " + marker);

        Assert.That(stream.Types, Does.Not.Contain("error"));
        var titles = (await (await client.GetAsync("/api/v1/tasks")).JsonAsync())["data"]!.AsArray().Select(t => t!["title"]!.GetValue<string>());
        Assert.That(titles, Is.EquivalentTo(new[] { "First task", "Second task" }));
        var step = (await client.MessagesAsync(id))[1]!;
        Assert.That(step["tool_calls"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()), Is.EqualTo(new[] { "q1", "q2" }));
        Assert.That(step["tool_calls"]![1]!["function"]!["arguments"]!.GetValue<string>(), Is.EqualTo("""{"title":"Second task","description":"two"}"""));
    }

    [Test]
    public async Task Run_WhenTheModelKeepsCallingTools_StopsAtAgentMaxStepsWithALastCallWithoutTools()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = Marker();
        var loop = Enumerable.Range(0, 4).Select(i => ScriptStep.ToolCalls(new ScriptedCall($"l{i}", "list_tasks", "{}")));
        Upstream.Script(marker, [.. loop, ScriptStep.Text("Here is what I found.")]);

        var stream = await client.RunAsync(id, "loop " + marker);

        var requests = Upstream.RequestsWith(marker);
        Assert.That(requests, Has.Count.EqualTo(5), "AGENT_MAX_STEPS defaults to 5 model calls");
        Assert.That(requests.Select(r => r.ToolNames.Count > 0), Is.EqualTo(new[] { true, true, true, true, false }));
        Assert.That(stream.DeltaText, Is.EqualTo("Here is what I found."));
    }

    [Test]
    public async Task Run_AfterAToolTurn_NextTurnSendsTheStoredCallsWithTheirResults()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var first = Marker();
        Upstream.Script(first, ScriptStep.ToolCalls(new ScriptedCall("h1", "add_task", """{"title":"History"}""")), ScriptStep.Text("Done."));
        await client.RunAsync(id, "add " + first);

        var second = Marker();
        Upstream.Script(second, ScriptStep.Text("Sure."));
        await client.RunAsync(id, "again " + second);

        var sent = Upstream.RequestsWith(second)[0].Body["messages"]!.AsArray();
        Assert.That(sent.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "system", "user", "assistant", "tool", "assistant", "user" }));
        Assert.That(sent[2]!["tool_calls"]![0]!["id"]!.GetValue<string>(), Is.EqualTo("h1"));
        Assert.That(sent[3]!["tool_call_id"]!.GetValue<string>(), Is.EqualTo("h1"));
    }

    [Test]
    public async Task Run_WhenTheHistoryBudgetCuts_ItCutsWholeStepsNeverACallWithoutItsResult()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("HISTORY_MAX_MESSAGES", "3"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        var first = Marker();
        Upstream.Script(first, ScriptStep.ToolCalls(new ScriptedCall("b1", "list_tasks", "{}"), new ScriptedCall("b2", "list_tags", "{}")), ScriptStep.Text("Nothing yet."));
        await client.RunAsync(id, "look " + first);

        var second = Marker();
        Upstream.Script(second, ScriptStep.Text("ok"));
        await client.RunAsync(id, "next " + second);

        // The last 3 messages read are [tool b1, tool b2, assistant]: the results lost their call, so they are not sent.
        var sent = Upstream.RequestsWith(second)[0].Body["messages"]!.AsArray();
        Assert.That(sent.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "system", "assistant", "user" }));
    }

    [Test]
    public async Task Run_WhenTheClientHangsUpWhileAToolRuns_TheToolsResultIsStillStored()
    {
        // Over real sockets (Kestrel), so hanging up is what a browser does.
        await using var app = ChatKitFactory.Create(Upstream);
        app.UseKestrel(0);
        app.StartServer();
        using var client = app.SocketClientFor(ChatKitFactory.NewUser());
        var id = await client.CreateSessionAsync();
        var marker = Marker();
        Upstream.Script(
            marker,
            ScriptStep.ToolCalls(new ScriptedCall("s1", "add_task", """{"title":"Survives"}""")),
            new ScriptStep(["never"], []) { Finish = null, StallAfterCalls = true });

        using (var response = await client.SendRunAsync(id, "hang up " + marker))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && !line.Contains("workflow.task.updated", StringComparison.Ordinal))
            {
            }
        }

        var messages = await client.WaitForMessagesAsync(id, 4);
        Assert.That(messages.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "user", "assistant", "tool", "assistant" }));
        Assert.That(messages[2]!["tool_call_id"]!.GetValue<string>(), Is.EqualTo("s1"));
        Assert.That(messages[3]!["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM tasks WHERE title = 'Survives'"), Is.GreaterThanOrEqualTo(1));
        await AssertClaimReleasedAsync(client, id);
    }

    [Test]
    public async Task Run_WhenTheNextModelCallFails_TheStepBeforeItKeepsItsResult()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("f1", "list_tags", "{}")), new ScriptStep(["Partial"], []) { Finish = null });

        var stream = await client.RunAsync(id, "fail later " + marker);

        Assert.That(stream.Types[^1], Is.EqualTo("error"));
        var messages = await client.MessagesAsync(id);
        Assert.That(messages.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "user", "assistant", "tool", "assistant" }));
        Assert.That(messages[3]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("Partial"));
        Assert.That(messages[3]!["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
    }

    [Test]
    public async Task Run_ToolStepUsage_IsStoredPerModelCall()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("u1", "list_tags", "{}")), ScriptStep.Text("a", "b"));
        await client.RunAsync(id, "usage " + marker);

        await using var conn = new NpgsqlConnection(TestEnvironment.DatabaseUrl);
        var tokens = (await conn.QueryAsync<int>(
            "SELECT completion_tokens FROM messages WHERE session_id = @Id AND role = 'assistant' ORDER BY created_at", new { Id = Guid.Parse(id) })).ToList();
        Assert.That(tokens, Is.EqualTo(new[] { 6, 7 }), "each step keeps the usage its own model call reported (fake: 5 per call + 1, 3 per chunk + 1)");
    }

    private static async Task AssertClaimReleasedAsync(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.Text("free"));
        while (true)
        {
            var stream = await client.RunAsync(id, "again " + marker);
            if (stream.Status == HttpStatusCode.OK || DateTime.UtcNow > deadline)
            {
                Assert.That(stream.Status, Is.EqualTo(HttpStatusCode.OK), "the run claim was released");
                return;
            }

            await Task.Delay(50);
        }
    }

    private static string Describe(JsonNode e)
    {
        var type = e["type"]!.GetValue<string>();
        return type switch
        {
            "thread.item.added" or "thread.item.done" => $"{type}:{e["item"]!["type"]!.GetValue<string>()}",
            "thread.item.updated" => $"update:{e["update"]!["type"]!.GetValue<string>()}",
            _ => type,
        };
    }
}
