
namespace ChatKit.IntegrationTests.Runs;

public sealed class StreamRunTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    [Test]
    public async Task Run_WhenValid_StreamsContractEventsInOrderAndEndsWithDone()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        using var response = await client.SendRunAsync(id, "Hello there");
        var stream = await ChatApi.ReadStreamAsync(response);

        Assert.That(stream.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(stream.ContentType, Is.EqualTo("text/event-stream"));
        Assert.That(response.Headers.CacheControl?.NoCache, Is.True);
        Assert.That(response.Headers.GetValues("X-Accel-Buffering"), Is.EqualTo(new[] { "no" }));
        var deltas = Enumerable.Repeat("thread.item.updated", FakeLlmServer.ReplyChunks.Length);
        string[] expected =
        [
            "thread.item.done", "stream_options", "thread.item.added", "thread.item.updated", .. deltas,
            "thread.item.updated", "thread.item.done", "thread.updated",
        ];
        Assert.That(stream.Types, Is.EqualTo(expected));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
        var e = stream.Events;
        Assert.That(e[0]["item"]!["type"]!.GetValue<string>(), Is.EqualTo("user_message"));
        Assert.That(e[0]["item"]!["thread_id"]!.GetValue<string>(), Is.EqualTo(id));
        Assert.That(e[0]["item"]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("Hello there"));
        Assert.That(e[1]["stream_options"]!["allow_cancel"]!.GetValue<bool>(), Is.True);
        Assert.That(e[2]["item"]!["type"]!.GetValue<string>(), Is.EqualTo("assistant_message"));
        Assert.That(e[2]["item"]!["content"]!.AsArray(), Is.Empty);
        Assert.That(e[3]["update"]!["type"]!.GetValue<string>(), Is.EqualTo("assistant_message.content_part.added"));
        Assert.That(e[^3]["update"]!["type"]!.GetValue<string>(), Is.EqualTo("assistant_message.content_part.done"));
        Assert.That(e[^3]["update"]!["content"]!["text"]!.GetValue<string>(), Is.EqualTo(FakeLlmServer.ReplyText));
        Assert.That(e[^2]["item"]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(FakeLlmServer.ReplyText));
        Assert.That(e[^1]["thread"]!["title"]!.GetValue<string>(), Is.EqualTo("Hello there"));
        Assert.That(stream.DeltaText, Is.EqualTo(FakeLlmServer.ReplyText));
    }

    [Test]
    public async Task Run_WhenFinished_StoredMessagesMatchStreamedItemsAndUsage()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "store me");

        var userItemId = stream.Events[0]["item"]!["id"]!.GetValue<string>();
        var replyItemId = stream.Events[2]["item"]!["id"]!.GetValue<string>();
        var messages = (await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync())["data"]!["messages"]!.AsArray();
        Assert.That(messages.Select(m => m!["id"]!.GetValue<string>()), Is.EqualTo(new[] { userItemId, replyItemId }));
        Assert.That(messages[1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(stream.DeltaText));
        Assert.That(messages[1]!["created_at"]!.GetValue<string>(), Is.EqualTo(stream.Events[2]["item"]!["created_at"]!.GetValue<string>()));
        var usage = await TestEnvironment.ScalarAsync<string>(
            "SELECT concat_ws('/', model, prompt_tokens, completion_tokens, total_tokens) FROM messages WHERE id = @id",
            new { id = Guid.Parse(replyItemId) });
        Assert.That(usage, Is.EqualTo($"fake/model/42/{FakeLlmServer.ReplyChunks.Length}/{42 + FakeLlmServer.ReplyChunks.Length}"));
    }

    [Test]
    public async Task Run_WhenFirstMessageIsLong_TitleIsFirstLineCutTo60WithEllipsisOnlyOnce()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var firstLine = string.Concat(Enumerable.Repeat("abcdefghij", 7));

        var first = await client.RunAsync(id, $"  {firstLine}  \nsecond line");
        var second = await client.RunAsync(id, "another message");

        var title = first.Events[^1]["thread"]!["title"]!.GetValue<string>();
        Assert.That(title, Is.EqualTo(firstLine[..60] + "…"));
        Assert.That(second.Types, Does.Not.Contain("thread.updated"));
        var session = (await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync())["data"]!;
        Assert.That(session["title"]!.GetValue<string>(), Is.EqualTo(title));
        Assert.That(session["message_count"]!.GetValue<int>(), Is.EqualTo(4));
    }

    [Test]
    public async Task Run_UserMessageIsCommittedBeforeTheStreamStarts()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = "#stall " + Guid.NewGuid();
        using var cts = new CancellationTokenSource();

        using var response = await client.SendRunAsync(id, marker);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var firstId = await reader.ReadLineAsync();
        var firstLine = await reader.ReadLineAsync();

        var stored = await TestEnvironment.ScalarAsync<string>(
            "SELECT content->0->>'text' FROM messages WHERE session_id = @id AND role = 'user'", new { id = Guid.Parse(id) });
        Assert.That(firstId, Is.EqualTo("id: 1"));
        Assert.That(firstLine, Does.StartWith("data: {\"type\":\"thread.item.done\""));
        Assert.That(stored, Is.EqualTo(marker));
    }

    [Test]
    public async Task Run_SendsSystemPromptThenHistoryInOrderThenNewMessageOnce()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        await client.RunAsync(id, "one");
        await client.RunAsync(id, "two");
        var marker = "three " + Guid.NewGuid();

        await client.RunAsync(id, marker);

        var request = await Upstream.WaitForRequestAsync(marker);
        var reply = FakeLlmServer.ReplyText;
        Assert.That(request.Messages.Select(m => m.Role), Is.EqualTo(new[] { "system", "user", "assistant", "user", "assistant", "user" }));
        Assert.That(request.Messages.Skip(1).Select(m => m.Content), Is.EqualTo(new[] { "one", reply, "two", reply, marker }));
        Assert.That(request.Body["model"]!.GetValue<string>(), Is.EqualTo("fake/model"));
        Assert.That(request.Body["stream"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Run_SendsAuthorizationAndAttributionHeadersUpstream()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = "headers " + Guid.NewGuid();

        await client.RunAsync(id, marker);

        var request = await Upstream.WaitForRequestAsync(marker);
        Assert.That(request.Path, Is.EqualTo("/v1/chat/completions"));
        Assert.That(request.Headers["Authorization"], Is.EqualTo("Bearer sk-test-key"));
        Assert.That(request.Headers["HTTP-Referer"], Is.EqualTo("https://chatkit.test"));
        Assert.That(request.Headers["X-Title"], Is.EqualTo("ChatKit Tests"));
    }

    [TestCase("He said \"hi\" and 'bye' \\ back")]
    [TestCase("'; DROP TABLE messages; -- SELECT * FROM sessions")]
    [TestCase("<script>alert(1)</script> &amp; <b>bold</b>")]
    [TestCase("astral 😀🚀 𝕏 and ∑ ünïcödé\nsecond line\ttab")]
    public async Task Run_WithTrickyText_StoresAndReturnsItVerbatim(string text)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, text);

        Assert.That(stream.Events[0]["item"]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(text));
        var detail = await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync();
        Assert.That(detail["data"]!["messages"]![0]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(text));
        var stored = await TestEnvironment.ScalarAsync<string>(
            "SELECT content->0->>'text' FROM messages WHERE session_id = @id AND role = 'user'", new { id = Guid.Parse(id) });
        Assert.That(stored, Is.EqualTo(text));
    }
}
