namespace ChatKit.IntegrationTests.Runs;

/// <summary>Three defects found by testing the landed service: a cut that looked like success, and NUL characters.</summary>
public sealed class StorableTextAndCutTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    [Test]
    public async Task Run_WhenTheUpstreamEndsWithoutFinishReasonOrDone_IsACutNotASuccess()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "dying proxy #nofinish");

        Assert.That(stream.DeltaText, Is.EqualTo(FakeLlmServer.ReplyText));
        Assert.That(stream.Types[^1], Is.EqualTo("error"));
        Assert.That(stream.Events[^1]["message"]!.GetValue<string>(), Does.Contain("cut off"));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
        var reply = (await client.MessagesAsync(id))[1]!;
        Assert.That(reply["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
        Assert.That(reply["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(FakeLlmServer.ReplyText));
    }

    [TestCase("length", "length limit")]
    [TestCase("content_filter", "content filter")]
    public async Task Run_WhenTheModelStopsShort_StoresIncompleteAndTellsTheClientWhy(string finish, string said)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "long story #finish=" + finish);

        var notice = stream.Events.Single(e => e["type"]!.GetValue<string>() == "notice");
        Assert.That(notice["level"]!.GetValue<string>(), Is.EqualTo("warning"));
        Assert.That(notice["message"]!.GetValue<string>(), Does.Contain(said));
        Assert.That(stream.Types, Does.Not.Contain("error"));
        Assert.That((await client.MessagesAsync(id))[1]!["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
    }

    [TestCase("""{"message":{"content":[{"text":"a\u0000b"}]}}""", "message.content")]
    [TestCase("""{"message":{"content":[{"text":"\udc00 lone"}]}}""", null)]
    public async Task Run_WhenTheMessageHoldsAnUnstorableCharacter_Answers400AndStoresNothing(string json, string? field)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        using var response = await client.PostJsonAsync(ChatApi.RunsOf(id), json);

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        if (field is not null)
        {
            Assert.That(error["details"]![0]!["field"]!.GetValue<string>(), Is.EqualTo(field));
        }

        Assert.That(await client.MessagesAsync(id), Is.Empty);
    }

    [Test]
    public async Task CreateSession_WhenTheTitleHoldsNul_Answers400NamingTitle()
    {
        using var client = App.ClientFor();

        using var response = await client.PostJsonAsync(ChatApi.Sessions, """{"title":"a\u0000b"}""");

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error["details"]![0]!["field"]!.GetValue<string>(), Is.EqualTo("title"));
    }

    [Test]
    public async Task Run_WhenTheModelOrAToolProducesNul_TheReplyAndStepAreStoredRepaired()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = "#script-" + Guid.NewGuid().ToString("N");
        Upstream.Script(
            marker,
            ScriptStep.ToolCalls(new ScriptedCall("n1", "add_task", "{\"title\":\"nul\\u0000here\"}")),
            ScriptStep.Text("bad\u0000byte", " end"));

        var stream = await client.RunAsync(id, "nul " + marker);

        Assert.That(stream.Types, Does.Not.Contain("error"));
        var messages = await client.MessagesAsync(id);
        Assert.That(messages[^1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("bad\uFFFDbyte end"));
        Assert.That(messages[^1]!["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        var result = messages[2]!["content"]![0]!["text"]!.GetValue<string>();
        Assert.That(result, Does.Contain("\"success\":false").And.Contain("title"), "the tool refused the NUL title as a result, not a failure");
    }
}
