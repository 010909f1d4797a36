using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Runs;

/// <summary>Run ids, event ids, resume, background runs and cancel (contract: background-runs.md).</summary>
public sealed class BackgroundRunTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static string Slow(int tokens = 60, int gapMs = 40) => $"#tokens={tokens} #gapms={gapMs} {Guid.NewGuid():N}";

    /// <summary>Reads <paramref name="count"/> events (their ids and data) from an open stream, then leaves it open.</summary>
    private static async Task<List<(long Id, string Data)>> ReadEventsAsync(StreamReader reader, int count)
    {
        var events = new List<(long, string)>();
        long id = 0;
        while (events.Count < count && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((id, line[6..]));
            }
        }

        return events;
    }

    private static string Deltas(IEnumerable<string> data) => string.Concat(data.Where(d => d != "[DONE]").Select(d => JsonNode.Parse(d)!)
        .Where(e => e["update"]?["type"]?.GetValue<string>() == "assistant_message.content_part.text_delta")
        .Select(e => e["update"]!["delta"]!.GetValue<string>()));

    private static async Task<JsonNode> SessionAsync(HttpClient client, string id) =>
        (await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync())["data"]!;

    private static async Task<JsonNode> WaitForReplyAsync(HttpClient client, string id, string status = "completed")
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var session = await SessionAsync(client, id);
            var last = session["messages"]!.AsArray().LastOrDefault();
            if ((last?["role"]?.GetValue<string>() == "assistant" && last["status"]!.GetValue<string>() == status && session["active_run"] is null)
                || DateTime.UtcNow > deadline)
            {
                return session;
            }

            await Task.Delay(50);
        }
    }

    [Test]
    public async Task Run_HasAVersion7RunIdAndEveryEventANumberDoneIncluded()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "number me");

        Assert.That(Guid.TryParse(stream.RunId, out var run), Is.True);
        Assert.That(run.Version, Is.EqualTo(7));
        Assert.That(stream.Ids, Is.EqualTo(Enumerable.Range(1, stream.Data.Count).Select(i => (long)i)));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
    }

    [Test]
    public async Task Resume_AfterTheRunEnded_ReplaysTheSameIdsAndBytes_FromAnyPoint()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var first = await client.RunAsync(id, "replay me");

        using var all = await client.ResumeAsync(id, first.RunId!);
        var replay = await ChatApi.ReadStreamAsync(all);
        using var tail = await client.ResumeAsync(id, first.RunId!, 3);
        var rest = await ChatApi.ReadStreamAsync(tail);

        Assert.That(replay.Data, Is.EqualTo(first.Data));
        Assert.That(replay.Ids, Is.EqualTo(first.Ids));
        Assert.That(replay.RunId, Is.EqualTo(first.RunId));
        Assert.That(rest.Data, Is.EqualTo(first.Data.Skip(3)));
        Assert.That(rest.Ids, Is.EqualTo(first.Ids.Skip(3)));
    }

    [Test]
    public async Task Resume_MidRun_LosesAndDuplicatesNothing()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var response = await client.SendRunAsync(id, Slow(), background: true);
        var runId = response.Headers.GetValues("X-Run-Id").Single();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var before = await ReadEventsAsync(reader, 8);
        response.Dispose(); // the train enters the tunnel

        using var resumed = await client.ResumeAsync(id, runId, before[^1].Id);
        var after = await ChatApi.ReadStreamAsync(resumed);

        Assert.That(after.Ids[0], Is.EqualTo(before[^1].Id + 1));
        Assert.That(before.Select(e => e.Id).Concat(after.Ids), Is.EqualTo(Enumerable.Range(1, before.Count + after.Ids.Count).Select(i => (long)i)));
        var text = Deltas(before.Select(e => e.Data).Concat(after.Data));
        var session = await WaitForReplyAsync(client, id);
        Assert.That(session["messages"]![1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(text));
        Assert.That(text, Does.StartWith("w0 w1").And.EndWith(" w59"));
    }

    [Test]
    public async Task Background_RunsToTheEndWithoutAnyClient_ToolsIncluded()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        app.UseKestrel(0);
        app.StartServer();
        using var client = app.SocketClientFor(ChatKitFactory.NewUser());
        var id = await client.CreateSessionAsync();
        var marker = "#script-" + Guid.NewGuid().ToString("N");
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("bg1", "add_task", """{"title":"Done while away"}""")), ScriptStep.Text("All ", "done ", "while ", "you ", "were ", "away."));

        using (var response = await client.SendRunAsync(id, "background " + marker, background: true))
        {
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            await ReadEventsAsync(reader, 1);
        }

        var session = await WaitForReplyAsync(client, id);
        var last = session["messages"]!.AsArray()[^1]!;
        Assert.That(last["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(last["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("All done while you were away."));
        var tasks = (await (await client.GetAsync("/api/v1/tasks")).JsonAsync())["data"]!.AsArray();
        Assert.That(tasks.Single()!["title"]!.GetValue<string>(), Is.EqualTo("Done while away"));
    }

    [Test]
    public async Task ActiveRun_ShowsWhileTheRunGoesAndIsNullAfter()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        using var response = await client.SendRunAsync(id, Slow(20, 30), background: true);
        var runId = response.Headers.GetValues("X-Run-Id").Single();

        var during = await SessionAsync(client, id);
        var active = during["active_run"]!;
        Assert.That(active["id"]!.GetValue<string>(), Is.EqualTo(runId));
        Assert.That(active["background"]!.GetValue<bool>(), Is.True);
        Assert.That(active["started_at"]!.GetValue<string>(), Is.Not.Empty);

        await ChatApi.ReadStreamAsync(response);
        var after = await WaitForReplyAsync(client, id);
        Assert.That(after["active_run"], Is.Null);
        Assert.That(after.AsObject().ContainsKey("active_run"), Is.True, "present, as null, when no run is going");
    }

    [Test]
    public async Task Cancel_ClosesTheUpstreamStoresThePartialEndsAttachedStreamsAndFreesTheSessionAtOnce()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = Slow(200, 50);
        var response = await client.SendRunAsync(id, marker, background: true);
        var runId = response.Headers.GetValues("X-Run-Id").Single();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = await ReadEventsAsync(reader, 6);
        var upstream = await Upstream.WaitForRequestAsync(marker);

        var watch = Stopwatch.StartNew();
        using var cancel = await client.PostAsync($"{ChatApi.Sessions}/{id}/runs/{runId}/cancel", null);
        var body = await cancel.JsonAsync();
        Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        Assert.That(body["data"]!["cancelled"]!.GetValue<bool>(), Is.True);
        Assert.That(body["data"]!["run_id"]!.GetValue<string>(), Is.EqualTo(runId));
        using var next = await client.SendRunAsync(id, "right away", background: false);
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the session accepts a new run as soon as the 200 is sent");
        await upstream.Closed.Task.WaitAsync(TimeSpan.FromSeconds(1));
        await TestContext.Out.WriteLineAsync($"upstream closed {watch.Elapsed.TotalMilliseconds:0} ms after the cancel request");

        var rest = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                rest.Add(line[6..]);
            }
        }

        response.Dispose();
        Assert.That(rest[^1], Is.EqualTo("[DONE]"), "the attached stream ends");
        Assert.That(rest.Select(r => r == "[DONE]" ? "[DONE]" : JsonNode.Parse(r)!["type"]!.GetValue<string>()), Does.Contain("thread.item.done"), "its open item is closed");
        await ChatApi.ReadStreamAsync(next);
        var messages = (await SessionAsync(client, id))["messages"]!.AsArray();
        var cut = messages.First(m => m!["role"]!.GetValue<string>() == "assistant")!;
        Assert.That(cut["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
        Assert.That(cut["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(Deltas(seen.Select(e => e.Data).Concat(rest))));

        using var again = await client.PostAsync($"{ChatApi.Sessions}/{id}/runs/{runId}/cancel", null);
        await again.AssertErrorAsync(HttpStatusCode.Conflict, "RUN_NOT_ACTIVE");
    }

    [Test]
    public async Task Strangers_AndUnknownRuns_AreRefused()
    {
        using var owner = App.ClientFor();
        using var stranger = App.ClientFor();
        var id = await owner.CreateSessionAsync();
        var other = await owner.CreateSessionAsync();
        var run = await owner.RunAsync(id, "private");

        using (var theirs = await stranger.ResumeAsync(id, run.RunId!))
        {
            await theirs.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        using (var theirs = await stranger.PostAsync($"{ChatApi.Sessions}/{id}/runs/{run.RunId}/cancel", null))
        {
            await theirs.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        foreach (var (session, runId) in new[] { (id, Guid.NewGuid().ToString()), (id, "not-a-run"), (other, run.RunId!) })
        {
            using var unknown = await owner.ResumeAsync(session, runId);
            await unknown.AssertErrorAsync(HttpStatusCode.NotFound, "RUN_NOT_FOUND");
            using var cancel = await owner.PostAsync($"{ChatApi.Sessions}/{session}/runs/{runId}/cancel", null);
            await cancel.AssertErrorAsync(HttpStatusCode.NotFound, "RUN_NOT_FOUND");
        }

        var bad = new HttpRequestMessage(HttpMethod.Get, $"{ChatApi.Sessions}/{id}/runs/{run.RunId}/events");
        bad.Headers.TryAddWithoutValidation("Last-Event-ID", "-4");
        using var badResponse = await owner.SendAsync(bad);
        await badResponse.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Test]
    public async Task Resume_FromBeforeTheEventCap_Is410()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("RUN_EVENTS_MAX", "100"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        // 2 ms apart: this stream reads every event although the run keeps only the last 100 (a reader that lags by
        // 100 events is ended instead; the next test).
        var run = await client.RunAsync(id, "#tokens=300 #gapms=2 " + Guid.NewGuid());
        Assert.That(run.Data[^1], Is.EqualTo("[DONE]"));
        Assert.That(run.Ids.Take(run.Ids.Count - 1), Is.All.GreaterThan(0), "every event of the run, none of the fell-behind kind");

        using var early = await client.ResumeAsync(id, run.RunId!, 5);
        await early.AssertErrorAsync(HttpStatusCode.Gone, "RUN_EVENTS_TRUNCATED");
        using var late = await client.ResumeAsync(id, run.RunId!, run.Ids[^3]);
        var tail = await ChatApi.ReadStreamAsync(late);
        Assert.That(tail.Data, Is.EqualTo(run.Data.TakeLast(2)), "what is still kept replays");
    }

    [Test]
    public async Task AStreamThatFallsBehindTheEventCap_EndsWithAnErrorEventAndDone_AndTheReplyIsStoredWhole()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("RUN_EVENTS_MAX", "100"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();

        // Not read until the run is over: the response's pipe fills and its writer stops taking events, while the run
        // goes on and its log keeps only the last 100.
        using var response = await client.SendRunAsync(id, "#tokens=1500 #gapms=0 " + Guid.NewGuid(), background: true);
        var messages = await client.WaitForMessagesAsync(id, 2);
        var stream = await ChatApi.ReadStreamAsync(response);

        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
        Assert.That(stream.Ids[^1], Is.Zero, "[DONE] after a fall-behind is not one of the run's events");
        var last = stream.Events[^1];
        Assert.That(last["type"]!.GetValue<string>(), Is.EqualTo("error"));
        Assert.That(last["allow_retry"]!.GetValue<bool>(), Is.False);
        Assert.That(stream.Ids[^2], Is.Zero);
        Assert.That(stream.Ids.Where(i => i > 0), Is.Ordered.Ascending);
        var reply = messages[^1]!;
        Assert.That(reply["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(reply["content"]![0]!["text"]!.GetValue<string>().Split(' '), Has.Length.EqualTo(1500));
    }

    [Test]
    public async Task TwoInstancesSharingRedis_ResumeAndCancelAcrossThem()
    {
        await using var first = ChatKitFactory.Create(Upstream, ("REDIS_URL", TestEnvironment.RedisUrl));
        await using var second = ChatKitFactory.Create(Upstream, ("REDIS_URL", TestEnvironment.RedisUrl));
        var user = ChatKitFactory.NewUser();
        using var a = first.ClientFor(user);
        using var b = second.ClientFor(user);
        var id = await a.CreateSessionAsync();

        // A finished run started on A replays identically from B.
        var done = await a.RunAsync(id, "on A");
        using (var replay = await b.ResumeAsync(id, done.RunId!))
        {
            var fromB = await ChatApi.ReadStreamAsync(replay);
            Assert.That(fromB.Data, Is.EqualTo(done.Data));
            Assert.That(fromB.Ids, Is.EqualTo(done.Ids));
        }

        // A live run on A is followed from B and cancelled from B.
        var marker = Slow(200, 50);
        var response = await a.SendRunAsync(id, marker, background: true);
        var runId = response.Headers.GetValues("X-Run-Id").Single();
        var upstream = await Upstream.WaitForRequestAsync(marker);
        using var follow = await b.ResumeAsync(id, runId);
        var followReader = new StreamReader(await follow.Content.ReadAsStreamAsync());
        var followed = await ReadEventsAsync(followReader, 5);
        Assert.That(followed.Select(e => e.Id), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));

        var watch = Stopwatch.StartNew();
        using var cancel = await b.PostAsync($"{ChatApi.Sessions}/{id}/runs/{runId}/cancel", null);
        Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await upstream.Closed.Task.WaitAsync(TimeSpan.FromSeconds(1));
        await TestContext.Out.WriteLineAsync($"cancel from the other instance closed the upstream in {watch.Elapsed.TotalMilliseconds:0} ms");
        var rest = await ReadEventsAsync(followReader, int.MaxValue);
        Assert.That(rest[^1].Data, Is.EqualTo("[DONE]"), "the follower on B sees the end");
        response.Dispose();
    }

    [Test]
    public async Task WithRedisUnreachable_OneInstanceStillRunsResumesAndCancels_AndARunItDoesNotHoldIsUnknown()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("REDIS_URL", "127.0.0.1:1"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();

        var run = await client.RunAsync(id, "no redis");
        using var replay = await client.ResumeAsync(id, run.RunId!);
        Assert.That((await ChatApi.ReadStreamAsync(replay)).Data, Is.EqualTo(run.Data));

        var response = await client.SendRunAsync(id, Slow(200, 50), background: true);
        var runId = response.Headers.GetValues("X-Run-Id").Single();
        using var cancel = await client.PostAsync($"{ChatApi.Sessions}/{id}/runs/{runId}/cancel", null);
        Assert.That(cancel.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ChatApi.ReadStreamAsync(response)).Data[^1], Is.EqualTo("[DONE]"));

        // A run this instance does not hold may be running elsewhere: unknown, not "not found".
        using var elsewhere = await client.GetAsync($"{ChatApi.Sessions}/{id}/runs/{Guid.CreateVersion7()}/events");
        await elsewhere.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.That(elsewhere.Headers.RetryAfter, Is.Not.Null);
    }
}
