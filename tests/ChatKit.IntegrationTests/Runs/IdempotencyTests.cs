using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Runs;

/// <summary>
/// <c>Idempotency-Key</c>: a retried send attaches to the first instead of starting a second turn; a replay after the
/// end gives the same reply; the same key with another body is refused; keys are per user; task creation too.
/// </summary>
public sealed class IdempotencyTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static HttpRequestMessage Send(string sessionId, string text, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, ChatApi.RunsOf(sessionId)) { Content = JsonContent.Create(ChatApi.MessageBody(text)) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Test]
    public async Task ConcurrentDuplicates_AttachToOneRun_AndAReplayAfterTheEndGivesTheSameReply()
    {
        using var client = App.ClientFor();
        var sessionId = await client.CreateSessionAsync();
        var key = "send-" + Guid.NewGuid().ToString("N");
        const string text = "Tell me something #tokens=30 #gapms=10";

        var streams = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            using var response = await client.SendAsync(Send(sessionId, text, key), HttpCompletionOption.ResponseHeadersRead);
            return await ChatApi.ReadStreamAsync(response);
        }));

        Assert.That(streams.Select(s => s.Status), Is.All.EqualTo(HttpStatusCode.OK), string.Join('\n', streams.SelectMany(s => s.Data)));
        Assert.That(streams.Select(s => s.RunId).Distinct().Count(), Is.EqualTo(1), "one run, every duplicate attached to it");
        Assert.That(streams.Select(s => s.DeltaText).Distinct().Count(), Is.EqualTo(1));
        var messages = await client.MessagesAsync(sessionId);
        Assert.That(messages.Count(m => m!["role"]!.GetValue<string>() == "user"), Is.EqualTo(1), "one message stored");
        Assert.That(messages.Count(m => m!["role"]!.GetValue<string>() == "assistant"), Is.EqualTo(1), "one reply");

        using var again = await client.SendAsync(Send(sessionId, text, key), HttpCompletionOption.ResponseHeadersRead);
        var replay = await ChatApi.ReadStreamAsync(again);
        Assert.That(replay.RunId, Is.EqualTo(streams[0].RunId));
        Assert.That(replay.DeltaText, Is.EqualTo(streams[0].DeltaText), "the same reply, replayed");
        Assert.That(await client.MessagesAsync(sessionId), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task AKeyReusedWithAnotherBody_Is422_AndKeysArePerUser()
    {
        using var client = App.ClientFor();
        using var other = App.ClientFor();
        var sessionId = await client.CreateSessionAsync();
        var key = "send-" + Guid.NewGuid().ToString("N");
        using (var first = await client.SendAsync(Send(sessionId, "hello", key)))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using (var reused = await client.SendAsync(Send(sessionId, "something else", key)))
        {
            await reused.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");
        }

        var theirs = await other.CreateSessionAsync();
        using var unrelated = await other.SendAsync(Send(theirs, "hello", key));
        Assert.That(unrelated.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another user's identical key is unrelated");

        using var bad = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks") { Content = JsonContent.Create(new { title = "x" }) };
        bad.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 201));
        using var refused = await client.SendAsync(bad);
        await refused.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Test]
    public async Task CreatingATask_Twice_WithOneKey_MakesOneTask_AndAnswersTheSame()
    {
        using var client = App.ClientFor();
        var key = "task-" + Guid.NewGuid().ToString("N");
        async Task<(HttpStatusCode Status, string Body)> CreateAsync(string title)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks") { Content = JsonContent.Create(new { title }) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => CreateAsync("Buy milk")));
        Assert.That(results.Select(r => r.Status), Is.All.EqualTo(HttpStatusCode.OK), string.Join('\n', results.Select(r => r.Body)));
        Assert.That(results.Select(r => JsonNode.Parse(r.Body)!["data"]!["id"]!.GetValue<string>()).Distinct().Count(), Is.EqualTo(1));
        var list = await (await client.GetAsync("/api/v1/tasks")).JsonAsync();
        Assert.That(list["data"]!.AsArray(), Has.Count.EqualTo(1), "one task");
        Assert.That((await CreateAsync("Buy bread")).Status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
    }

    [Test]
    public async Task ANativeThreadsCreate_Retried_MakesOneThread()
    {
        using var client = App.ClientFor();
        var key = "create-" + Guid.NewGuid().ToString("N");
        var body = NativeApi.Body("threads.create", new { input = NativeApi.Input("Hello there") });
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, NativeApi.Endpoint) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var stream = await ChatApi.ReadStreamAsync(response);
            ids.Add(stream.Events[0]["thread"]!["id"]!.GetValue<string>());
        }

        Assert.That(ids.Distinct().Count(), Is.EqualTo(1), "the retry replays the first thread's events");
        var threads = await NativeApi.CallAsync(client, "threads.list", new { });
        Assert.That(threads["data"]!.AsArray(), Has.Count.EqualTo(1));
    }
}
