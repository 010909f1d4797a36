using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ChatKit.Bench;

/// <summary>
/// Instances killed under their runs (ADR-023): a survivor and a victim share PostgreSQL and Redis as separate processes;
/// each round the victim runs background replies that clients watch, is SIGKILLed at a random moment of them, and every
/// client resumes on the survivor. Measures the time from the kill to the survivor's first event for each client, and
/// counts the runs lost: a resume that does not end with <c>[DONE]</c>, or a stored session that lacks text a client saw.
/// </summary>
public sealed class TakeoverBench(string apiDll, string databaseUrl, IDictionary<string, string> env, string redisUrl, int rounds, int runsPerRound)
{
    /// <summary>Short claims, so a round is seconds: the takeover's bound is this plus a scan (at most 5 s, here 1 s).</summary>
    private const int ClaimSeconds = 3;

    private static readonly Random Dice = new(20261130);

    public async Task<(JsonObject Results, long Lost)> RunAsync(Action<string> say)
    {
        var shared = new Dictionary<string, string>(env)
        {
            ["REDIS_URL"] = redisUrl,
            ["RUN_CLAIM_SECONDS"] = ClaimSeconds.ToString(CultureInfo.InvariantCulture),
        };
        await using var survivor = await Harness.StartAsync(apiDll, databaseUrl, Harness.FreePort(), With(shared, "bench-survivor"));
        using var onSurvivor = survivor.NewClient(TimeSpan.FromSeconds(90));
        var firstEvents = new List<double>();
        var lost = new List<string>();
        for (var round = 0; round < rounds; round++)
        {
            await using var victim = await Harness.StartAsync(apiDll, databaseUrl, Harness.FreePort(), With(shared, $"bench-victim-{round}"));
            using var onVictim = victim.NewClient(TimeSpan.FromSeconds(90));
            var watched = await Task.WhenAll(Enumerable.Range(0, runsPerRound).Select(i => WatchAsync(onVictim, $"takeover-{round}-{i}")));
            var killed = Stopwatch.GetTimestamp();
            await victim.KillAsync();
            var resumed = await Task.WhenAll(watched.Select(w => ResumeAsync(onSurvivor, w, killed)));
            foreach (var (run, (firstMs, done, replayed)) in watched.Zip(resumed))
            {
                if (!done)
                {
                    lost.Add($"{run.SessionId}: no notice and [DONE] from the survivor");
                    continue;
                }

                firstEvents.Add(firstMs);
                var stored = await StoredRepliesAsync(onSurvivor, run);
                if (!stored.StartsWith(run.Seen + replayed, StringComparison.Ordinal))
                {
                    lost.Add($"{run.SessionId}: the stored replies lack text the client saw");
                }
            }
        }

        foreach (var why in lost)
        {
            say("   LOST " + why);
        }

        var p50 = Stats.Percentile(firstEvents, 50);
        var p99 = Stats.Percentile(firstEvents, 99);
        say(string.Create(CultureInfo.InvariantCulture,
            $"   {rounds} kills x {runsPerRound} runs | kill → first event from the survivor p50 {p50:0} / p99 {p99:0} ms (RUN_CLAIM_SECONDS={ClaimSeconds}) | runs lost {lost.Count} (target 0)"));
        return (new JsonObject
        {
            ["kills"] = rounds,
            ["runs"] = rounds * runsPerRound,
            ["claim_seconds"] = ClaimSeconds,
            ["kill_to_first_event_p50_ms"] = p50,
            ["kill_to_first_event_p99_ms"] = p99,
            ["runs_lost"] = lost.Count,
        }, lost.Count);
    }

    private static Dictionary<string, string> With(Dictionary<string, string> shared, string instance) =>
        new(shared) { ["INSTANCE_ID"] = instance };

    private sealed record Watched(string User, string SessionId, string RunId, long LastEventId, string Seen);

    /// <summary>Starts a background reply and reads it for a random while (0.2–1.5 s): what the client saw of it.</summary>
    private static async Task<Watched> WatchAsync(HttpClient client, string user)
    {
        using var create = Harness.Authorized(HttpMethod.Post, "/api/v1/chatkit/sessions", user, "{}");
        using var created = await client.SendAsync(create);
        var session = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["data"]!["id"]!.GetValue<string>();
        using var request = Harness.Authorized(
            HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/threads/{session}/runs", user, Harness.RunBody("takeover bench #tokens=150 #gapms=20", background: true));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        int wait;
        lock (Dice)
        {
            wait = Dice.Next(200, 1500);
        }

        using var enough = new CancellationTokenSource(wait);
        var seen = new StringBuilder();
        long last = 0;
        try
        {
            await foreach (var (id, json) in Events(response, enough.Token))
            {
                last = id ?? last;
                seen.Append(Delta(json));
            }
        }
        catch (OperationCanceledException)
        {
            // The client stops reading here; the kill follows.
        }

        return new Watched(user, session, response.Headers.GetValues("X-Run-Id").Single(), last, seen.ToString());
    }

    /// <summary>
    /// Resumes on the survivor after the last event seen: the time from the kill to the survivor's own first event (its
    /// notice; the events before it are the victim's, replayed from Redis), whether the run ended with <c>[DONE]</c>, and
    /// the text replayed before the notice (the victim sent it after the client stopped reading).
    /// </summary>
    private static async Task<(double FirstMs, bool Done, string Replayed)> ResumeAsync(HttpClient client, Watched run, long killed)
    {
        using var resume = Harness.Authorized(HttpMethod.Get, $"/api/v1/chatkit/sessions/{run.SessionId}/runs/{run.RunId}/events", run.User);
        resume.Headers.TryAddWithoutValidation("Last-Event-ID", run.LastEventId.ToString(CultureInfo.InvariantCulture));
        var first = double.NaN;
        var replayed = new StringBuilder();
        try
        {
            using var response = await client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
            {
                return (first, false, string.Empty);
            }

            await foreach (var (_, json) in Events(response, CancellationToken.None))
            {
                if (json is null)
                {
                    return (first, !double.IsNaN(first), replayed.ToString());
                }

                if (double.IsNaN(first) && json["type"]?.GetValue<string>() == "notice")
                {
                    first = Stopwatch.GetElapsedTime(killed).TotalMilliseconds;
                }
                else if (double.IsNaN(first))
                {
                    replayed.Append(Delta(json));
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // Counted as lost below.
        }

        return (first, false, replayed.ToString());
    }

    private static async Task<string> StoredRepliesAsync(HttpClient client, Watched run)
    {
        using var read = Harness.Authorized(HttpMethod.Get, $"/api/v1/chatkit/sessions/{run.SessionId}", run.User);
        using var response = await client.SendAsync(read);
        var messages = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!["messages"]!.AsArray();
        return string.Concat(messages.Where(m => m!["role"]!.GetValue<string>() == "assistant").Select(m => m!["content"]![0]!["text"]!.GetValue<string>()));
    }

    private static string Delta(JsonNode? json) =>
        json?["update"]?["type"]?.GetValue<string>() == "assistant_message.content_part.text_delta" ? json["update"]!["delta"]!.GetValue<string>() : string.Empty;

    /// <summary>A stream's events as (id, JSON); <c>[DONE]</c> is a null JSON and ends it.</summary>
    private static async IAsyncEnumerable<(long? Id, JsonNode? Json)> Events(HttpResponseMessage response, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        long? id = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line.AsSpan(4), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = line[6..];
                yield return (id, data == "[DONE]" ? null : JsonNode.Parse(data));
                id = null;
                if (data == "[DONE]")
                {
                    yield break;
                }
            }
        }
    }
}
