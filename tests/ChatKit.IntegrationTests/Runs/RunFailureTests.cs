using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Runs;

public sealed class RunFailureTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    [Test]
    public async Task Run_WhenUpstreamAnswers503_SendsErrorEventThenDoneAndKeepsUserMessage()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "please #fail503");

        var error = stream.Events[^1];
        Assert.That(error["type"]!.GetValue<string>(), Is.EqualTo("error"));
        Assert.That(error["code"]!.GetValue<string>(), Is.EqualTo("stream.error"));
        Assert.That(error["allow_retry"]!.GetValue<bool>(), Is.True);
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain("503").And.Not.Contain("upstream is sad"));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
        var messages = await MessagesAsync(client, id);
        Assert.That(messages.Select(m => m["role"]!.GetValue<string>()), Is.EqualTo(new[] { "user", "assistant" }));
        Assert.That(messages[0]["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("please #fail503"));
        Assert.That(messages[1]["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
    }

    [Test]
    public async Task Run_WhenUpstreamCutsTheConnection_StoresPartialReplyAsIncomplete()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "go #cut3");

        var partial = string.Concat(FakeLlmServer.ReplyChunks.Take(3));
        Assert.That(stream.DeltaText, Is.EqualTo(partial));
        Assert.That(stream.Types[^1], Is.EqualTo("error"));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
        var reply = (await MessagesAsync(client, id))[1];
        Assert.That(reply["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(partial));
        Assert.That(reply["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
    }

    [Test]
    public async Task Run_WhenUpstreamSendsGarbage_SendsErrorEventAndStoresIncomplete()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "go #garbage");

        Assert.That(stream.Types[^1], Is.EqualTo("error"));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
        Assert.That((await MessagesAsync(client, id))[1]["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
    }

    [Test]
    public async Task Run_WhenUpstreamStalls_PingsThenTimesOutWithErrorEvent()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("LLM_TIMEOUT_SECONDS", "1"), ("SSE_PING_SECONDS", "0.2"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "wait #stall " + Guid.NewGuid());

        Assert.That(stream.Comments, Has.Count.GreaterThanOrEqualTo(3).And.All.EqualTo(": ping"));
        Assert.That(stream.Events[^1]["message"]!.GetValue<string>(), Does.Contain("did not answer within 1 seconds"));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
        Assert.That((await MessagesAsync(client, id))[1]["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
    }

    [Test]
    public async Task Run_WhenClientDisconnects_UpstreamIsCancelledPromptlyAndPartialReplyStored()
    {
        // Over real sockets (Kestrel), as a browser would hang up; the in-memory test server is not the thing to measure.
        await using var app = ChatKitFactory.Create(Upstream);
        app.UseKestrel(0);
        app.StartServer();
        using var client = app.SocketClientFor(ChatKitFactory.NewUser());
        var id = await client.CreateSessionAsync();
        var marker = "#slow " + Guid.NewGuid();

        var response = await client.SendRunAsync(id, marker);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line && !line.Contains("text_delta", StringComparison.Ordinal))
        {
        }

        var request = await Upstream.WaitForRequestAsync(marker);
        var hungUp = Stopwatch.StartNew();
        response.Dispose();
        var closed = await request.Closed.Task.WaitAsync(TimeSpan.FromSeconds(3));

        var delay = hungUp.Elapsed;
        await TestContext.Out.WriteLineAsync($"upstream closed {delay.TotalMilliseconds:0} ms after the client hung up");
        Assert.That(closed, Is.Not.EqualTo(default(DateTime)));
        Assert.That(delay, Is.LessThan(TimeSpan.FromSeconds(1)), "the upstream request should be cancelled at once");
        var reply = await WaitForReplyAsync(id);
        Assert.That(reply.Status, Is.EqualTo("incomplete"));
        Assert.That(FakeLlmServer.ReplyText, Does.StartWith(reply.Text));
        Assert.That(reply.Text, Is.Not.Empty);
        var next = await client.RunAsync(id, "after the hang-up");
        Assert.That(next.Status, Is.EqualTo(HttpStatusCode.OK), "the run claim must be released");
    }

    [Test]
    public async Task Run_WhenAnotherRunStreams_Returns409UntilItEnds()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = "#stall " + Guid.NewGuid();
        var first = await client.SendRunAsync(id, marker);
        await Upstream.WaitForRequestAsync(marker);

        using var second = await client.SendRunAsync(id, "me too");

        await second.AssertErrorAsync(HttpStatusCode.Conflict, "RUN_IN_PROGRESS");
        first.Dispose();
        await WaitForReplyAsync(id);
        var third = await client.RunAsync(id, "now my turn");
        Assert.That(third.Data[^1], Is.EqualTo("[DONE]"));
        Assert.That(third.Types, Does.Not.Contain("error"));
    }

    [Test]
    public async Task Run_WhenAClaimWasLeftByACrashedInstance_ItLapses()
    {
        using var client = App.ClientFor();
        var id = Guid.Parse(await client.CreateSessionAsync());
        await TestEnvironment.ScalarAsync<int>(
            "UPDATE sessions SET run_claim_id = gen_random_uuid(), run_claimed_until = now() + interval '1 hour' WHERE id = @id", new { id });
        using var blocked = await client.SendRunAsync(id.ToString(), "blocked");
        await blocked.AssertErrorAsync(HttpStatusCode.Conflict, "RUN_IN_PROGRESS");

        await TestEnvironment.ScalarAsync<int>("UPDATE sessions SET run_claimed_until = now() - interval '1 second' WHERE id = @id", new { id });
        var stream = await client.RunAsync(id.ToString(), "free again");

        Assert.That(stream.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await TestEnvironment.ScalarAsync<bool>("SELECT run_claim_id IS NULL FROM sessions WHERE id = @id", new { id }), Is.True);
    }

    private static async Task<List<JsonNode>> MessagesAsync(HttpClient client, string id) =>
        (await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync())["data"]!["messages"]!.AsArray().Select(m => m!).ToList();

    private static async Task<(string Status, string Text)> WaitForReplyAsync(string id)
    {
        for (var i = 0; i < 100; i++)
        {
            var row = await TestEnvironment.ScalarAsync<string>(
                "SELECT status || '|' || (content->0->>'text') FROM messages WHERE session_id = @id AND role = 'assistant'",
                new { id = Guid.Parse(id) });
            if (row is not null)
            {
                var parts = row.Split('|', 2);
                return (parts[0], parts[1]);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No assistant reply was stored.");
    }
}
