using System.Text.Json.Nodes;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Native;

/// <summary>
/// Client tools (docs/chatkit.md): a call of <c>get_selected_tasks</c> pauses the turn with a pending item and no run
/// claim; <c>threads.add_client_tool_output</c> goes on from that step with the result upstream under the call's id; a
/// new message closes a pending call as skipped; a call never goes upstream without its result.
/// </summary>
public sealed class ClientToolTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static ChatKitFactory NewApp() => ChatKitFactory.Create(Upstream, ("CLIENT_TOOLS", "get_selected_tasks"));

    /// <summary>A thread whose turn listed tasks with a server tool and asked the browser for the selection in one step.</summary>
    private static async Task<(string ThreadId, SseStream Stream)> PausedAsync(HttpClient client, string marker)
    {
        Upstream.Script(
            marker,
            new ScriptStep(["Let me look."], [new ScriptedCall("srv_1", "list_tasks", "{}"), new ScriptedCall("cli_1", "get_selected_tasks", "{}")]) { Finish = "tool_calls" },
            ScriptStep.Text("You selected ", "two tasks."));
        var stream = await StreamAsync(client, "threads.create", new { input = Input("What about the selected ones? " + marker) });
        return (stream.Events[0]["thread"]!["id"]!.GetValue<string>(), stream);
    }

    [Test]
    public async Task AClientToolCall_PausesTheTurn_AndItsOutputContinuesIt()
    {
        await using var app = NewApp();
        using var client = app.ClientFor();
        var marker = Marker();

        var (threadId, paused) = await PausedAsync(client, marker);

        // Offered only because CLIENT_TOOLS lists it; the stream ends with the pending call, no reply text after it.
        Assert.That(Upstream.RequestsWith(marker)[0].ToolNames, Does.Contain("get_selected_tasks"));
        var pending = paused.Events.Single(e => e["item"]?["type"]?.GetValue<string>() == "client_tool_call")["item"]!;
        Assert.That(paused.Types.Skip(paused.Events.ToList().FindIndex(e => e["item"]?["type"]?.GetValue<string>() == "client_tool_call") + 1), Is.All.EqualTo("thread.updated"), "it ends the stream (the title aside)");
        Assert.That(pending["type"]!.GetValue<string>(), Is.EqualTo("client_tool_call"));
        Assert.That(pending["status"]!.GetValue<string>(), Is.EqualTo("pending"));
        Assert.That(pending["call_id"]!.GetValue<string>(), Is.EqualTo("cli_1"));
        Assert.That(pending["name"]!.GetValue<string>(), Is.EqualTo("get_selected_tasks"));
        Assert.That(paused.Events.Any(e => e["item"]?["type"]?.GetValue<string>() == "widget"), Is.True, "the step's server call ran as usual");
        Assert.That(Upstream.RequestsWith(marker), Has.Count.EqualTo(1), "nothing goes upstream while the browser answers");
        var session = await (await client.GetAsync($"{ChatApi.Sessions}/{threadId}")).JsonAsync();
        Assert.That(session["data"]!["active_run"], Is.Null, "no run claim while it waits");

        var resumed = await StreamAsync(client, "threads.add_client_tool_output", new { thread_id = threadId, result = new { task_ids = new[] { "t1", "t2" } } });

        Assert.That(resumed.Types[0], Is.EqualTo("stream_options"));
        var answered = resumed.Events[1]["item"]!;
        Assert.That(answered["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(answered["output"]!.ToJsonString(), Is.EqualTo("""{"task_ids":["t1","t2"]}"""));
        Assert.That(resumed.DeltaText, Is.EqualTo("You selected two tasks."));
        var second = Upstream.RequestsWith(marker)[1].Body["messages"]!.AsArray();
        var toolMessages = second.Where(m => m!["role"]!.GetValue<string>() == "tool").ToList();
        Assert.That(toolMessages.Select(m => m!["tool_call_id"]!.GetValue<string>()), Is.EquivalentTo(new[] { "srv_1", "cli_1" }));
        Assert.That(JsonNode.Parse(toolMessages.Single(m => m!["tool_call_id"]!.GetValue<string>() == "cli_1")!["content"]!.GetValue<string>())!.ToJsonString(), Is.EqualTo("""{"task_ids":["t1","t2"]}"""));
        Assert.That(second.Count(m => m!["role"]!.GetValue<string>() == "user"), Is.EqualTo(1), "the user's message is not sent again");

        // Stored: on reload the call is completed with its output, in its step's place.
        var thread = await CallAsync(client, "threads.get_by_id", new { thread_id = threadId });
        var items = thread["items"]!["data"]!.AsArray();
        Assert.That(items.Select(i => i!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "user_message", "assistant_message", "workflow", "widget", "client_tool_call", "assistant_message" }));
        Assert.That(items[4]!.ToJsonString(), Is.EqualTo(answered.ToJsonString()));

        using var none = await client.PostJsonAsync(Endpoint, Body("threads.add_client_tool_output", new { thread_id = threadId, result = new { } }));
        await none.AssertErrorAsync(HttpStatusCode.Conflict, "NO_PENDING_TOOL_CALL");
        await ReferenceTypes.AssertValidAsync([.. ReferenceTypes.Events(paused.Events), .. ReferenceTypes.Events(resumed.Events), (ReferenceTypes.Thread, thread)]);
    }

    [Test]
    public async Task ANewMessageWhileACallWaits_ClosesItAsSkipped_SoNoCallGoesUpstreamWithoutItsResult()
    {
        await using var app = NewApp();
        using var client = app.ClientFor();
        var (threadId, _) = await PausedAsync(client, Marker());
        var next = Marker();
        Upstream.Script(next, ScriptStep.Text("Fine."));

        await StreamAsync(client, "threads.add_user_message", new { thread_id = threadId, input = Input("never mind " + next) });

        var sent = Upstream.RequestsWith(next).Single().Body["messages"]!.AsArray();
        var calls = sent.Where(m => m!["tool_calls"] is JsonArray).SelectMany(m => m!["tool_calls"]!.AsArray()).Select(c => c!["id"]!.GetValue<string>()).ToList();
        var results = sent.Where(m => m!["role"]!.GetValue<string>() == "tool").Select(m => m!["tool_call_id"]!.GetValue<string>()).ToList();
        Assert.That(calls, Does.Contain("cli_1"));
        Assert.That(results, Is.SupersetOf(calls), "every call sent with its result");
        Assert.That(sent.Single(m => m!["tool_call_id"]?.GetValue<string>() == "cli_1")!["content"]!.GetValue<string>(), Does.Contain("skipped"));
        var items = (await CallAsync(client, "threads.get_by_id", new { thread_id = threadId }))["items"]!["data"]!.AsArray();
        var closed = items.Single(i => i!["type"]!.GetValue<string>() == "client_tool_call")!;
        Assert.That(closed["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(closed["output"]!["skipped"]!.GetValue<bool>(), Is.True);
        using var none = await client.PostJsonAsync(Endpoint, Body("threads.add_client_tool_output", new { thread_id = threadId, result = new { } }));
        await none.AssertErrorAsync(HttpStatusCode.Conflict, "NO_PENDING_TOOL_CALL");
    }

    [Test]
    public async Task WithoutClientTools_TheModelIsNotOfferedOne()
    {
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.Text("ok"));
        using var client = AssemblySetup.App.ClientFor();

        await StreamAsync(client, "threads.create", new { input = Input("hi " + marker) });

        Assert.That(Upstream.RequestsWith(marker).Single().ToolNames, Does.Not.Contain("get_selected_tasks"));
    }

    private const string Endpoint = NativeApi.Endpoint;
}
