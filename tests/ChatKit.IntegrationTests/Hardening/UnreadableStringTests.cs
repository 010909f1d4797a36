using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>
/// Hardening II, items 4 and 5: a string the service could not read back (an escaped unpaired surrogate, what
/// <c>JSON.stringify</c> writes for a cut emoji, or NUL) is refused at the native door naming its field — never a 500,
/// never stored, never a run that dies holding its session.
/// </summary>
public sealed class UnreadableStringTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    [Test]
    public async Task AClientToolAnswerWithALoneSurrogate_IsRefusedNamingIt_AndTheSessionStaysUsable()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("CLIENT_TOOLS", "get_selected_tasks"));
        using var client = app.ClientFor();
        var marker = Marker();
        Upstream.Script(
            marker,
            new ScriptStep(["Let me look."], [new ScriptedCall("cli_1", "get_selected_tasks", "{}")]) { Finish = "tool_calls" },
            ScriptStep.Text("Thanks."));
        var paused = await StreamAsync(client, "threads.create", new { input = Input("selected? " + marker) });
        var threadId = paused.Events[0]["thread"]!["id"]!.GetValue<string>();

        using var refused = await client.PostJsonAsync(
            Endpoint, """{"type":"threads.add_client_tool_output","params":{"thread_id":"THREAD","result":{"ids":["\ud800"]}}}""".Replace("THREAD", threadId, StringComparison.Ordinal));

        var error = await refused.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error.ToJsonString(), Does.Contain("params.result.ids[0]"));
        Assert.That(Upstream.RequestsWith(marker), Has.Count.EqualTo(1), "nothing went upstream");

        // The call still waits: a good answer continues the turn, and the thread reads back.
        var resumed = await StreamAsync(client, "threads.add_client_tool_output", new { thread_id = threadId, result = new { ids = new[] { "t1" } } });
        Assert.That(resumed.DeltaText, Is.EqualTo("Thanks."));
        var thread = await CallAsync(client, "threads.get_by_id", new { thread_id = threadId });
        Assert.That(thread["items"]!["data"]!.AsArray(), Has.Count.GreaterThanOrEqualTo(3));
    }

    /// <summary>Each string field of the native requests, spelled with an escaped unpaired surrogate: 400 naming it.</summary>
    [TestCase("""{"type":"\ud800","params":{}}""", "type")]
    [TestCase("""{"type":"threads.get_by_id","params":{"thread_id":"\ud800"}}""", "params.thread_id")]
    [TestCase("""{"type":"threads.update","params":{"thread_id":"00000000-0000-0000-0000-000000000001","title":"a\udc00"}}""", "params.title")]
    [TestCase("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi \ud800"}]}}}""", "params.input.content.text")]
    [TestCase("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"quoted_text":"\ud800"}}}""", "params.input.quoted_text")]
    [TestCase("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"inference_options":{"model":"\ud800"}}}}""", "params.input.inference_options.model")]
    [TestCase("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_tag","id":"\ud800","text":"x"}]}}}""", "params.input.content.id")]
    [TestCase("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_tag","id":"t","text":"x","group":"\ud800"}]}}}""", "params.input.content.group")]
    [TestCase("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_tag","id":"t","text":"x","data":{"k":"\ud800"}}]}}}""", "params.input.content.data.k")]
    [TestCase("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"attachments":["\ud800"]}}}""", "params.input.attachments[0]")]
    [TestCase("""{"type":"attachments.create","params":{"name":"\ud800.png","size":10,"mime_type":"image/png"}}""", "params.name")]
    [TestCase("""{"type":"attachments.create","params":{"name":"a.png","size":10,"mime_type":"image/\ud800"}}""", "params.mime_type")]
    [TestCase("""{"type":"items.list","params":{"thread_id":"00000000-0000-0000-0000-000000000001","after":"\ud800"}}""", "params.after")]
    [TestCase("""{"type":"threads.list","params":{"order":"\ud800"}}""", "params.order")]
    [TestCase("""{"type":"items.feedback","params":{"thread_id":"00000000-0000-0000-0000-000000000001","item_ids":["x"],"kind":"\ud800"}}""", "params.kind")]
    [TestCase("""{"type":"items.feedback","params":{"thread_id":"00000000-0000-0000-0000-000000000001","item_ids":["\ud800"],"kind":"positive"}}""", "params.item_ids[0]")]
    [TestCase("""{"type":"threads.custom_action","params":{"thread_id":"00000000-0000-0000-0000-000000000001","action":{"type":"\ud800"}}}""", "params.action.type")]
    [TestCase("""{"type":"threads.custom_action","params":{"thread_id":"00000000-0000-0000-0000-000000000001","action":{"type":"task.complete","payload":{"task_id":"\ud800"}}}}""", "params.action.payload.task_id")]
    [TestCase("""{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi \u0000"}]}}}""", "params.input.content.text")]
    public async Task AnUnreadableStringInAnyNativeField_Is400NamingIt(string body, string field)
    {
        using var client = AssemblySetup.App.ClientFor();

        using var response = await client.PostJsonAsync(Endpoint, body);

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error.ToJsonString(), Does.Contain(field));
    }
}
