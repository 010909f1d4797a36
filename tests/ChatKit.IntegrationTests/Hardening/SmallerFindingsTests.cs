using System.Text.Json;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>The smaller findings of the hardening run: the message cap across a multi-step turn, invisible text, feedback on a workflow.</summary>
public sealed class SmallerFindingsTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static string Native(string type, object parameters) => JsonSerializer.Serialize(new { type, @params = parameters });

    [Test]
    public async Task AMultiStepTurnNearTheMessageCap_EndsAtTheCap_NotPastIt()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("MAX_MESSAGES_PER_SESSION", "6"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        await client.RunAsync(id, "one");
        await client.RunAsync(id, "two"); // 4 messages
        var marker = "#script-" + Guid.NewGuid().ToString("N");
        Upstream.Script(
            marker,
            ScriptStep.ToolCalls(new ScriptedCall("s1", "list_tags", "{}")),
            ScriptStep.ToolCalls(new ScriptedCall("s2", "list_tags", "{}")),
            ScriptStep.ToolCalls(new ScriptedCall("s3", "list_tags", "{}")),
            ScriptStep.Text("done"));

        var turn = await client.RunAsync(id, "use tools " + marker); // the user message is the 5th: room for one reply only

        Assert.That(turn.Types, Does.Not.Contain("error"), string.Join("\n", turn.Data));
        var counted = (await client.MessagesAsync(id)).Count(m => m!["role"]!.GetValue<string>() != "tool");
        Assert.That(counted, Is.EqualTo(6), "MAX_MESSAGES_PER_SESSION holds across a turn's steps");
        // The early first call (started before the count was known, with tools) is dropped; the call that answers has none.
        Assert.That(Upstream.RequestsWith(marker).Last().ToolNames, Is.Empty, "no tools offered when a tool step would cross the cap");
        Assert.That((await client.MessagesAsync(id)).Count(m => m!["role"]!.GetValue<string>() == "tool"), Is.Zero);
    }

    [TestCase("\u200b\u200b\u200b")]
    [TestCase("\u200d\ufeff \u2060")]
    public async Task AMessageOfOnlyInvisibleCharacters_IsEmpty(string text)
    {
        using var client = AssemblySetup.App.ClientFor();
        var id = await client.CreateSessionAsync();

        using var response = await client.SendRunAsync(id, text);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "EMPTY_MESSAGE");
        Assert.That(await client.MessagesAsync(id), Is.Empty);
    }

    [Test]
    public async Task FeedbackOnAWorkflowItem_NeedsAMessageWithAWorkflow()
    {
        using var client = AssemblySetup.App.ClientFor();
        var id = await client.CreateSessionAsync();
        await client.RunAsync(id, "just words");
        var reply = (await client.MessagesAsync(id))[1]!["id"]!.GetValue<string>();

        using var refused = await client.PostJsonAsync("/api/v1/chatkit", Native("items.feedback", new { thread_id = id, item_ids = new[] { "wf_" + reply }, kind = "positive" }));
        using var accepted = await client.PostJsonAsync("/api/v1/chatkit", Native("items.feedback", new { thread_id = id, item_ids = new[] { reply }, kind = "positive" }));

        await refused.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
