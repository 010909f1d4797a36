using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Runs;

/// <summary>
/// A reply outlives the death of the instance that runs it (docs: durable runs, ADR-023). Two API instances as processes
/// of their own share PostgreSQL and Redis; the one running a reply is SIGKILLed while a client watches it stream; the
/// client resumes on the other. What it saw is stored, the ids go on without a gap or a repeat, and the run ends.
/// </summary>
[NonParallelizable]
public sealed class InstanceDeathTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private sealed record Seen(long? Id, JsonNode? Json, bool Done);

    [Test]
    public async Task AReplyCutByAKill_IsStoredAsTheClientSawIt_AndTheSurvivorGoesOnInTheSameRun()
    {
        await using var a = await ApiProcess.StartAsync("death-a-" + Guid.NewGuid().ToString("N")[..8], Upstream);
        await using var b = await ApiProcess.StartAsync("death-b-" + Guid.NewGuid().ToString("N")[..8], Upstream, ("LOG_LEVEL", "Information"));
        var user = ChatKitFactory.NewUser();
        using var onA = a.ClientFor(user);
        using var onB = b.ClientFor(user);
        var marker = NativeApi.Marker();
        Upstream.Script(marker, ScriptStep.Text([.. Enumerable.Range(0, 200).Select(i => $"w{i} ")]) with { GapMs = 25 }, ScriptStep.Text("and ", "the ", "rest."));
        var sessionId = await onA.CreateSessionAsync();

        var (runId, before) = await WatchAsync(onA, sessionId, "Tell me a long story " + marker, 20);

        a.Kill();
        var lastSeen = before[^1].Id!.Value;

        using var resume = new HttpRequestMessage(HttpMethod.Get, $"{ChatApi.Sessions}/{sessionId}/runs/{runId}/events");
        resume.Headers.Add("Last-Event-ID", lastSeen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var resumed = await onB.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
        Assert.That(resumed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await Body(resumed, b));
        var after = new List<Seen>();
        await foreach (var e in ReadAsync(resumed))
        {
            after.Add(e);
        }

        // One run, its ids from 1 to [DONE] without a gap or a repeat across the two instances.
        if (after.Any(e => e.Id is null))
        {
            await Task.Delay(3000);
            var state = await TestEnvironment.ScalarAsync<string>(
                "SELECT coalesce(run_claim_id::text, 'none') || ' ' || coalesce(run_owner, '-') || ' ' || coalesce((run_claimed_until > now())::text, '-') || ' msgs=' || message_count FROM sessions WHERE id = @id",
                new { id = Guid.Parse(sessionId) });
            Assert.Fail("not every event numbered: " + string.Join('\n', after.Select(e => $"{e.Id} {e.Json?.ToJsonString() ?? "[DONE]"}")) + "\nsession: " + state + "\n" + b.Output);
        }

        var ids = before.Concat(after).Select(e => e.Id!.Value).ToList();
        Assert.That(ids, Is.EqualTo(Enumerable.Range(1, ids.Count).Select(i => (long)i)), "ids 1, 2, 3… through the takeover");
        Assert.That(after[^1].Done, Is.True, "the run ended: [DONE]");
        Assert.That(after.Any(e => e.Json?["type"]?.GetValue<string>() == "notice"), Is.True, "a notice says another server goes on");
        Assert.That(string.Concat(Deltas(after)), Does.EndWith("and the rest."), "the survivor went on with the turn");

        // Stored: every delta the client saw before the kill, as the reply it watched (incomplete), then the rest.
        var messages = await onB.MessagesAsync(sessionId);
        var replies = messages.Where(m => m!["role"]!.GetValue<string>() == "assistant").ToList();
        var watched = string.Concat(Deltas(before)) + string.Concat(Deltas(after.TakeWhile(e => e.Json?["type"]?.GetValue<string>() != "notice").ToList()));
        Assert.That(replies, Has.Count.EqualTo(2), messages.ToJsonString());
        Assert.That(replies[0]!["content"]![0]!["text"]!.GetValue<string>(), Does.StartWith(string.Concat(Deltas(before))));
        Assert.That(replies[0]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(watched), "what clients saw, no more");
        Assert.That(replies[0]!["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
        Assert.That(replies[1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("and the rest."));
        Assert.That(replies[1]!["status"]!.GetValue<string>(), Is.EqualTo("completed"));

        // What the survivor sent (the cut item closed, the notice, the rest) is what the reference server's types allow.
        await ReferenceTypes.AssertValidAsync(ReferenceTypes.Events(after.Where(e => e.Json is not null).Select(e => e.Json!)));

        // The survivor's model call saw the cut reply and was asked to go on from it.
        var continued = Upstream.RequestsWith(marker)[^1];
        Assert.That(continued.Messages.Any(m => m.Role == "assistant" && m.Content == watched), Is.True);
        Assert.That(continued.Messages[^1].Content, Does.Contain("cut off when the server writing it stopped"));
    }

    /// <summary>
    /// Three instances; runs with a tool step in flight on the first, which is SIGKILLed at a random moment (mid-text,
    /// mid-tool or between steps, whichever each run is in); each client resumes on one of the two others. For every run:
    /// ids without a gap or a repeat to [DONE], one notice at most, the text it saw stored, one task per add_task call.
    /// </summary>
    [Test]
    public async Task RunsKilledAtARandomMoment_AreEachTakenOverOnce_WithNothingSeenLost_AndNoToolRunTwice()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await using var a = await ApiProcess.StartAsync("race-a-" + suffix, Upstream);
        await using var b = await ApiProcess.StartAsync("race-b-" + suffix, Upstream);
        await using var c = await ApiProcess.StartAsync("race-c-" + suffix, Upstream);
        const int Runs = 6;
        var runs = new List<(string User, string Session, string Marker, HttpClient OnA, Task<List<Seen>> Reading, string RunId)>();
        for (var i = 0; i < Runs; i++)
        {
            var user = ChatKitFactory.NewUser();
            var onA = a.ClientFor(user);
            var marker = NativeApi.Marker();
            Upstream.Script(
                marker,
                new ScriptStep(["Let ", "me ", "add ", "it. "], [new ScriptedCall($"call_{i}_{suffix}", "add_task", $$"""{"title":"Task {{i}}"}""")]) { Finish = "tool_calls", GapMs = 60 },
                ScriptStep.Text([.. Enumerable.Range(0, 40).Select(n => $"t{n} ")]) with { GapMs = 25 });
            var session = await onA.CreateSessionAsync();
            var request = new HttpRequestMessage(HttpMethod.Post, ChatApi.RunsOf(session)) { Content = JsonContent.Create(ChatApi.MessageBody("Add task " + i + " " + marker, background: true)) };
            var started = await onA.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            runs.Add((user, session, marker, onA, CollectAsync(started), started.Headers.GetValues("X-Run-Id").Single()));
        }

        await Task.Delay(Random.Shared.Next(100, 1500));
        a.Kill();
        var before = new List<List<Seen>>();
        foreach (var run in runs)
        {
            before.Add(await run.Reading);
        }

        var after = await Task.WhenAll(runs.Select(async (run, i) =>
        {
            if (before[i].LastOrDefault() is { Done: true })
            {
                return new List<Seen>(); // the run ended before the kill: its client has its end and does not resume
            }

            using var client = (i % 2 == 0 ? b : c).ClientFor(run.User);
            using var resume = new HttpRequestMessage(HttpMethod.Get, $"{ChatApi.Sessions}/{run.Session}/runs/{run.RunId}/events");
            resume.Headers.Add("Last-Event-ID", (before[i].LastOrDefault()?.Id ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var resumed = await client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
            Assert.That(resumed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await resumed.Content.ReadAsStringAsync());
            var events = new List<Seen>();
            await foreach (var e in ReadAsync(resumed))
            {
                events.Add(e);
            }

            return events;
        }));

        for (var i = 0; i < Runs; i++)
        {
            // A run that had ended (stored) when its instance died may close with a notice that has no id; nothing else may.
            var all = before[i].Concat(after[i]).Where(e => e.Id is not null || e.Json?["type"]?.GetValue<string>() != "notice").ToList();
            if (after[i].Count == 0)
            {
                // It ended before the kill: its events numbered 1, 2, 3… and its [DONE] seen live; nothing to resume.
                Assert.That(all.SkipLast(1).Select(e => e.Id ?? -1), Is.EqualTo(Enumerable.Range(1, all.Count - 1).Select(n => (long)n)));
                all = [.. all.SkipLast(1), new Seen(all.Count, null, true)];
            }

            var where = $"run {i}: " + string.Join(' ', all.Select(e => e.Json?["type"]?.GetValue<string>() ?? "[DONE]"));
            Assert.That(all.Select(e => e.Id ?? -1), Is.EqualTo(Enumerable.Range(1, all.Count).Select(n => (long)n)), where);
            Assert.That(all[^1].Done, Is.True, where);
            Assert.That(all.Count(e => e.Json?["type"]?.GetValue<string>() == "notice"), Is.LessThanOrEqualTo(1), where);

            using var client = b.ClientFor(runs[i].User);
            var stored = string.Concat((await client.MessagesAsync(runs[i].Session))
                .Where(m => m!["role"]!.GetValue<string>() == "assistant")
                .Select(m => m!["content"]!.AsArray().Count == 0 ? string.Empty : m["content"]![0]!["text"]!.GetValue<string>()));
            Assert.That(stored, Does.StartWith(string.Concat(Deltas(before[i]))), where + ": every delta the client saw is stored, in order");
            var tasks = (await (await client.GetAsync("/api/v1/tasks")).JsonAsync())["data"]!.AsArray();
            Assert.That(tasks.Count(t => t!["title"]!.GetValue<string>() == $"Task {i}"), Is.LessThanOrEqualTo(1), where + ": one task per add_task call");
        }

        foreach (var run in runs)
        {
            run.OnA.Dispose();
        }
    }

    /// <summary>Starts a background run and reads it until the client has seen <paramref name="deltas"/> text deltas.</summary>
    private static async Task<(string RunId, List<Seen> Seen)> WatchAsync(HttpClient client, string sessionId, string text, int deltas)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ChatApi.RunsOf(sessionId)) { Content = JsonContent.Create(ChatApi.MessageBody(text, background: true)) };
        using var started = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var seen = new List<Seen>();
        await foreach (var e in ReadAsync(started))
        {
            seen.Add(e);
            if (Deltas(seen).Count >= deltas)
            {
                break;
            }
        }

        return (started.Headers.GetValues("X-Run-Id").Single(), seen);
    }

    /// <summary>The events a client read until its stream ended or broke.</summary>
    private static async Task<List<Seen>> CollectAsync(HttpResponseMessage response)
    {
        var seen = new List<Seen>();
        await foreach (var e in ReadAsync(response))
        {
            seen.Add(e);
        }

        response.Dispose();
        return seen;
    }

    /// <summary>
    /// A send on a survivor between the claim's lapse and the takeover must not start a turn over the dead run (the
    /// reply its client watched would be lost): it is refused while the run is orphaned, wakes the survivor's recovery,
    /// and is accepted once the taken-over run ended — after what the client saw was stored.
    /// </summary>
    [Test]
    public async Task ASendWhileADeadInstancesRunAwaitsItsTakeover_IsRefused_AndNothingTheClientSawIsLost()
    {
        await using var a = await ApiProcess.StartAsync("death-e-" + Guid.NewGuid().ToString("N")[..8], Upstream);
        await using var b = await ApiProcess.StartAsync("death-f-" + Guid.NewGuid().ToString("N")[..8], Upstream);
        var user = ChatKitFactory.NewUser();
        using var onA = a.ClientFor(user);
        using var onB = b.ClientFor(user);
        var marker = NativeApi.Marker();
        var next = NativeApi.Marker();
        Upstream.Script(marker, ScriptStep.Text([.. Enumerable.Range(0, 200).Select(i => $"w{i} ")]) with { GapMs = 25 }, ScriptStep.Text("and ", "the ", "rest."));
        Upstream.Script(next, ScriptStep.Text("the ", "next ", "answer"));
        var sessionId = await onA.CreateSessionAsync();
        var (_, before) = await WatchAsync(onA, sessionId, "A long one " + marker, 10);

        a.Kill();

        // Sends every 50 ms, through the claim's lapse and the takeover, until one is accepted.
        var refused = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var sent = await onB.SendRunAsync(sessionId, "And then? " + next);
            if (sent.StatusCode == HttpStatusCode.OK)
            {
                Assert.That((await ChatApi.ReadStreamAsync(sent)).Data[^1], Is.EqualTo("[DONE]"));
                break;
            }

            await sent.AssertErrorAsync(HttpStatusCode.Conflict, "RUN_IN_PROGRESS");
            refused++;
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the session stayed refused");
            await Task.Delay(50);
        }

        var messages = await onB.MessagesAsync(sessionId);
        var shape = messages.Select(m => m!["role"]!.GetValue<string>() + ":" + m["content"]![0]!["text"]!.GetValue<string>()).ToList();
        Assert.That(refused, Is.GreaterThan(0));
        Assert.That(shape, Has.Count.EqualTo(5), string.Join('\n', shape));
        Assert.That(shape[1], Does.StartWith("assistant:" + string.Concat(Deltas(before))), "the reply the client watched, stored first");
        Assert.That(shape[2], Is.EqualTo("assistant:and the rest."), "the dead run went on before the new turn");
        Assert.That(shape[3], Does.StartWith("user:And then?"));
        Assert.That(shape[4], Is.EqualTo("assistant:the next answer"));
    }

    [Test]
    public async Task WithoutTakeover_TheSurvivorStoresWhatWasSeen_AndEndsTheRunWithAnError()
    {
        await using var a = await ApiProcess.StartAsync("death-c-" + Guid.NewGuid().ToString("N")[..8], Upstream, ("RUN_TAKEOVER", "false"));
        await using var b = await ApiProcess.StartAsync("death-d-" + Guid.NewGuid().ToString("N")[..8], Upstream, ("RUN_TAKEOVER", "false"));
        var user = ChatKitFactory.NewUser();
        using var onA = a.ClientFor(user);
        using var onB = b.ClientFor(user);
        var marker = NativeApi.Marker();
        Upstream.Script(marker, ScriptStep.Text([.. Enumerable.Range(0, 200).Select(i => $"w{i} ")]) with { GapMs = 25 });
        var sessionId = await onA.CreateSessionAsync();
        var (runId, before) = await WatchAsync(onA, sessionId, "Another long one " + marker, 10);

        a.Kill();
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"{ChatApi.Sessions}/{sessionId}/runs/{runId}/events");
        resume.Headers.Add("Last-Event-ID", before[^1].Id!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var resumed = await onB.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
        var after = new List<Seen>();
        await foreach (var e in ReadAsync(resumed))
        {
            after.Add(e);
        }

        Assert.That(after.Single(e => e.Json?["type"]?.GetValue<string>() == "error").Json!["message"]!.GetValue<string>(), Does.Contain("send your message again"));
        Assert.That(after[^1].Done, Is.True);
        var replies = (await onB.MessagesAsync(sessionId)).Where(m => m!["role"]!.GetValue<string>() == "assistant").ToList();
        Assert.That(replies, Has.Count.EqualTo(1));
        Assert.That(replies[0]!["content"]![0]!["text"]!.GetValue<string>(), Does.StartWith(string.Concat(Deltas(before))));
        Assert.That(Upstream.RequestsWith(marker), Has.Count.EqualTo(1), "no model call after the death");

        // The cancel of a run that has ended answers so.
        using var cancel = await onB.PostAsync($"{ChatApi.Sessions}/{sessionId}/runs/{runId}/cancel", null);
        await cancel.AssertErrorAsync(HttpStatusCode.Conflict, "RUN_NOT_ACTIVE");
    }

    [Test]
    public async Task WithoutRedis_ARestartedInstance_StoresItsCheckpointAtStart_AndGoesOn()
    {
        var name = "solo-" + Guid.NewGuid().ToString("N")[..8];
        (string, string)[] solo = [("REDIS_URL", string.Empty), ("RUN_CHECKPOINT_SECONDS", "1")];
        var user = ChatKitFactory.NewUser();
        var marker = NativeApi.Marker();
        Upstream.Script(marker, ScriptStep.Text([.. Enumerable.Range(0, 200).Select(i => $"w{i} ")]) with { GapMs = 25 }, ScriptStep.Text("and ", "the ", "end."));
        string sessionId;
        var before = new List<Seen>();
        await using (var first = await ApiProcess.StartAsync(name, Upstream, solo))
        {
            using var client = first.ClientFor(user);
            sessionId = await client.CreateSessionAsync();
            // Three seconds of deltas against a checkpoint a second: whatever the timer's phase, at most a third is missing.
            before.AddRange((await WatchAsync(client, sessionId, "A long one " + marker, 120)).Seen);

            first.Kill();
        }

        // The same instance, back (same INSTANCE_ID): at start it recovers what it held, from the checkpoint.
        await using var again = await ApiProcess.StartAsync(name, Upstream, solo);
        using var back = again.ClientFor(user);
        var replies = await WaitForRepliesAsync(back, sessionId, 2);
        var seen = string.Concat(Deltas(before));
        var stored = replies[0]!["content"]![0]!["text"]!.GetValue<string>();
        Assert.That(stored, Is.Not.Empty, "the checkpoint was stored");
        Assert.That(seen, Does.StartWith(stored), "what was stored is what the client saw, up to the last checkpoint");
        Assert.That(seen.Length - stored.Length, Is.LessThan(seen.Length / 2), "at most about a second of text is missing (120 deltas took 3 s)");
        Assert.That(replies[0]!["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
        Assert.That(replies[1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("and the end."));
    }

    [Test]
    public async Task ATakeoverOfAStepCutMidTools_ReadsBackTheCallThatActed_AndNeverRunsAToolTwice()
    {
        // The state a dead instance leaves when it died between a tool's change and its step's results: the step stored
        // (before its calls ran), one add_task done (its change recorded the call), one not run, the claim lapsed.
        var user = ChatKitFactory.NewUser();
        var marker = NativeApi.Marker();
        Upstream.Script(marker, ScriptStep.Text("One task added; the other was not."));
        var (session, step, task) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var now = DateTime.UtcNow;
        await using (var conn = new Npgsql.NpgsqlConnection(TestEnvironment.DatabaseUrl))
        {
            await conn.OpenAsync();
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                INSERT INTO sessions (id, user_id, title, created_at, updated_at, message_count, run_claim_id, run_claimed_until, run_owner)
                VALUES (@Session, @User, 'Cut', @Now, @Now, 2, gen_random_uuid(), clock_timestamp() - interval '1 second', 'dead-instance');
                INSERT INTO messages (id, session_id, role, content, tool_calls, status, created_at)
                VALUES (gen_random_uuid(), @Session, 'user', @UserContent::jsonb, NULL, 'completed', @Now),
                       (@Step, @Session, 'assistant', '[]'::jsonb, @Calls::jsonb, 'completed', @Later);
                INSERT INTO tasks (id, user_id, title, description, completed, priority, tags, created_at, updated_at)
                VALUES (@Task, @User, 'Buy milk', '', false, 'medium', '{}', @Later, @Later);
                INSERT INTO tool_effects (session_id, call_id, task_id, created_at) VALUES (@Session, 'call_done', @Task, @Later);
                """,
                new
                {
                    Session = session,
                    User = user,
                    Now = now,
                    Later = now.AddMilliseconds(5),
                    Step = step,
                    Task = task,
                    UserContent = $$"""[{"type":"input_text","text":"Add milk and bread {{marker}}"}]""",
                    Calls = """
                        [{"id":"call_done","type":"function","function":{"name":"add_task","arguments":"{\"title\":\"Buy milk\"}"}},
                         {"id":"call_open","type":"function","function":{"name":"add_task","arguments":"{\"title\":\"Buy bread\"}"}}]
                        """,
                });
        }

        await using var survivor = await ApiProcess.StartAsync("death-e-" + Guid.NewGuid().ToString("N")[..8], Upstream);
        using var client = survivor.ClientFor(user);
        var replies = await WaitForRepliesAsync(client, session.ToString(), 2);
        Assert.That(replies[^1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("One task added; the other was not."));

        var tasks = await (await client.GetAsync("/api/v1/tasks")).JsonAsync();
        Assert.That(tasks["data"]!.AsArray().Select(t => t!["title"]!.GetValue<string>()), Is.EqualTo(new[] { "Buy milk" }), "no call ran twice, none ran late");
        var request = Upstream.RequestsWith(marker).Single();
        var results = request.Body["messages"]!.AsArray().Where(m => m!["role"]!.GetValue<string>() == "tool").ToDictionary(m => m!["tool_call_id"]!.GetValue<string>(), m => m!["content"]!.GetValue<string>());
        Assert.That(results["call_done"], Does.Contain("done before the server running this reply stopped").And.Contain(task.ToString()));
        Assert.That(results["call_open"], Does.Contain("not run: the server running this reply stopped"));
    }

    private static async Task<JsonArray> WaitForRepliesAsync(HttpClient client, string sessionId, int count)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var replies = new JsonArray([.. (await client.MessagesAsync(sessionId)).Where(m => m!["role"]!.GetValue<string>() == "assistant").Select(m => m!.DeepClone())]);
            if (replies.Count >= count)
            {
                return replies;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(until), $"only {replies.Count} replies stored");
            await Task.Delay(100);
        }
    }

    private static List<string> Deltas(IReadOnlyList<Seen> events) =>
        events.Where(e => e.Json?["update"]?["type"]?.GetValue<string>() == "assistant_message.content_part.text_delta")
            .Select(e => e.Json!["update"]!["delta"]!.GetValue<string>()).ToList();

    private static async Task<string> Body(HttpResponseMessage response, ApiProcess survivor) =>
        response.IsSuccessStatusCode ? string.Empty : await response.Content.ReadAsStringAsync() + "\n" + survivor.Output;

    /// <summary>The SSE events of a response as they arrive (ends at [DONE], or where the connection breaks).</summary>
    private static async IAsyncEnumerable<Seen> ReadAsync(HttpResponseMessage response)
    {
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        long? id = null;
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(40));
            }
            catch (IOException)
            {
                yield break;
            }
            catch (HttpRequestException)
            {
                yield break;
            }

            if (line is null)
            {
                yield break;
            }

            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = line[6..];
                yield return data == "[DONE]" ? new Seen(id, null, true) : new Seen(id, JsonNode.Parse(data), false);
                id = null;
                if (data == "[DONE]")
                {
                    yield break;
                }
            }
        }
    }
}
