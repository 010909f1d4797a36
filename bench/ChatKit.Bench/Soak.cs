using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ChatKit.Testing;
using Dapper;
using Npgsql;

namespace ChatKit.Bench;

/// <summary>
/// Mixed traffic from many users while faults are injected on a schedule: the upstream answering 5xx,
/// stalling and cutting streams, Redis stopped and started, PostgreSQL restarted, clients hanging up, and (with Redis)
/// the service killed with SIGKILL and started again while a client watches a reply, which the restarted service must
/// take over and finish (ADR-023).
/// Fails (exit 1) on a 5xx outside the database outage, an acknowledged user message missing from the
/// database or left without a stored reply, resident memory that keeps growing, or an Error in the service's log.
/// </summary>
public sealed class Soak(string apiDll, string databaseUrl, Dictionary<string, string> env, FakeLlmServer upstream, string services, TimeSpan duration)
{
    private const int Users = 40;
    private readonly ConcurrentDictionary<string, int> _statuses = new();
    private readonly ConcurrentDictionary<Guid, Guid> _acknowledged = new(); // user message id -> session id
    private readonly List<(DateTime From, DateTime To)> _outages = [];
    private DateTime? _outageSince;
    private readonly ConcurrentBag<string> _unexpected = [];
    private readonly List<(double Seconds, long Bytes)> _memory = [];
    private int _disconnects;
    private int _resumes;
    private int _cancels;
    private int _streamErrors;

    public async Task<int> RunAsync()
    {
        await using var api = await Harness.StartAsync(apiDll, databaseUrl, Harness.FreePort(), env);
        Console.WriteLine($"Soak: {duration.TotalMinutes:0.#} min, {Users} users, faults on a schedule");
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);
        var workers = Enumerable.Range(0, Users).Select(u => UserLoopAsync(api, $"soak-user-{u}", u, stop.Token)).ToList();
        var faults = FaultsAsync(api, clock, stop.Token);
        while (!stop.IsCancellationRequested)
        {
            lock (_memory)
            {
                _memory.Add((clock.Elapsed.TotalSeconds, api.ResidentBytes()));
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, duration.TotalSeconds / 60)), CancellationToken.None);
        }

        await Task.WhenAll(workers);
        await faults;
        upstream.ForcedMode = null;
        return await ReportAsync(api);
    }

    private async Task FaultsAsync(Harness api, Stopwatch clock, CancellationToken ct)
    {
        async Task At(double fraction)
        {
            var due = duration * fraction - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, CancellationToken.None);
            }
        }

        try
        {
            await At(0.15); Say("upstream answers 503"); upstream.ForcedMode = "#fail503";
            await At(0.25); Say("upstream stalls"); upstream.ForcedMode = "#stall";
            await At(0.32); Say("upstream cuts streams"); upstream.ForcedMode = "#cut3";
            await At(0.40); Say("upstream healthy"); upstream.ForcedMode = null;
            await At(0.45); Say("Redis stopped"); await ServiceAsync("redis", "stop");
            await At(0.55); Say("Redis started"); await ServiceAsync("redis", "start");
            await At(0.70); Say("PostgreSQL stopped");
            var from = DateTime.UtcNow.AddSeconds(-1);
            lock (_outages)
            {
                _outageSince = from;
            }

            await ServiceAsync("pg", "stop");
            await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
            await ServiceAsync("pg", "start");
            Say("PostgreSQL started");
            lock (_outages)
            {
                // Requests in flight when it went down, and the first ones on connections it killed, may fail: 5 s of grace.
                _outages.Add((from, DateTime.UtcNow.AddSeconds(5)));
                _outageSince = null;
            }

            if (!string.IsNullOrEmpty(env.GetValueOrDefault("REDIS_URL")))
            {
                await At(0.80);
                Say("the service killed (SIGKILL) while a reply streams, then started again");
                await TakeoverProbeAsync(api);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the soak ended before the schedule did
        }

        void Say(string what) => Console.WriteLine($"  [{clock.Elapsed.TotalSeconds,6:0.0} s] {what}");
    }

    /// <summary>
    /// A background reply a client watches; the service is killed, started again (the same instance name: it recovers its
    /// runs at start), and the client resumes: the reply must go on in the same run to <c>[DONE]</c>. Reports the time from
    /// the kill to the first event from the restarted service.
    /// </summary>
    private async Task TakeoverProbeAsync(Harness api)
    {
        const string User = "soak-takeover";
        using var client = api.NewClient(TimeSpan.FromSeconds(60));

        // The probe needs a reply streaming: right after the database's restart a start may still be refused (503), so it
        // tries again for a while rather than kill the service under nothing.
        string? session = null;
        StreamTiming? first = null;
        var deadline = Stopwatch.StartNew();
        while (first is null)
        {
            using var create = Harness.Authorized(HttpMethod.Post, "/api/v1/chatkit/sessions", User, "{}");
            using var created = await client.SendAsync(create);
            var refused = (int)created.StatusCode;
            if (created.IsSuccessStatusCode)
            {
                session = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["data"]!["id"]!.GetValue<string>();
                using var request = Harness.Authorized(
                    HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/threads/{session}/runs", User, Harness.RunBody("takeover probe #tokens=120 #gapms=20", background: true));
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                refused = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    using var seen = new CancellationTokenSource(TimeSpan.FromMilliseconds(800));
                    first = await StreamTiming.ReadAsync(response, Stopwatch.GetTimestamp(), upstreamFormat: false, seen.Token);
                    break;
                }
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(15))
            {
                _unexpected.Add($"the takeover probe could not start a reply to watch ({refused})");
                return;
            }

            await Task.Delay(250);
        }

        var watchedIn = session!;
        Acknowledge(first.UserMessageId, Guid.Parse(watchedIn));
        var outage = DateTime.UtcNow.AddSeconds(-1);
        lock (_outages)
        {
            _outageSince = outage;
        }

        var killed = Stopwatch.GetTimestamp();
        await api.RestartAsync();
        StreamTiming? rest = null;
        var status = 0;
        var body = string.Empty;

        // As a client does: a 503 with Retry-After (the restarted instance's Redis connection not up yet) is asked again
        // after the time it says, for up to 15 s; anything else ends the probe.
        var resuming = Stopwatch.StartNew();
        while (true)
        {
            using var resume = Harness.Authorized(HttpMethod.Get, $"/api/v1/chatkit/sessions/{watchedIn}/runs/{first.RunId}/events", User);
            resume.Headers.TryAddWithoutValidation("Last-Event-ID", first.LastEventId.ToString(CultureInfo.InvariantCulture));
            TimeSpan? retryAfter = null;
            try
            {
                using var resumed = await client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
                status = (int)resumed.StatusCode;
                rest = resumed.IsSuccessStatusCode ? await StreamTiming.ReadAsync(resumed, killed, upstreamFormat: false, CancellationToken.None) : null;
                body = resumed.IsSuccessStatusCode ? string.Empty : await resumed.Content.ReadAsStringAsync();
                retryAfter = status == 503 ? resumed.Headers.RetryAfter?.Delta : null;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                status = -1;
            }

            if (retryAfter is not { } wait || resuming.Elapsed > TimeSpan.FromSeconds(15))
            {
                break;
            }

            _resumeRetries++;
            await Task.Delay(wait);
        }

        lock (_outages)
        {
            _outages.Add((outage, DateTime.UtcNow.AddSeconds(5)));
            _outageSince = null;
        }

        if (rest is not { SawDone: true })
        {
            _unexpected.Add($"the reply watched through a SIGKILL did not go on to [DONE] (status {status}, run {first.RunId}, after event {first.LastEventId}: {body})");
            return;
        }

        _takeover = string.Create(CultureInfo.InvariantCulture, $"first event from the restarted service {rest.FirstEventMs / 1000:0.0} s after the kill ({_resumeRetries} resumes answered 503 with Retry-After first), the run ended with [DONE]");
        Console.WriteLine("  takeover: " + _takeover);
    }

    private string? _takeover;
    private int _resumeRetries;

    private async Task ServiceAsync(string service, string action)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [services, "_test-service", service, action]) { RedirectStandardError = true })!;
        await process.WaitForExitAsync();
        NpgsqlConnection.ClearAllPools();
    }

    private async Task UserLoopAsync(Harness api, string user, int seed, CancellationToken ct)
    {
        var random = new Random(seed);
        var sessions = new List<Guid>();
        using var client = api.NewClient(TimeSpan.FromSeconds(30));
        while (!ct.IsCancellationRequested)
        {
            var roll = random.Next(100);
            try
            {
                if (sessions.Count == 0 || (roll < 10 && sessions.Count < 5))
                {
                    var json = await SendAsync(client, HttpMethod.Post, "/api/v1/chatkit/sessions", user, null);
                    if (json?["data"]?["id"]?.GetValue<string>() is { } id)
                    {
                        sessions.Add(Guid.Parse(id));
                    }
                }
                else if (roll < 40)
                {
                    await SendAsync(client, HttpMethod.Get, "/api/v1/chatkit/sessions", user, null);
                }
                else if (roll < 60)
                {
                    await SendAsync(client, HttpMethod.Get, $"/api/v1/chatkit/sessions/{sessions[random.Next(sessions.Count)]}?limit=50", user, null);
                }
                else if (roll < 95)
                {
                    // One turn in four is an agent turn: the model calls a tool, the service runs it and stores the step.
                    // One in ten runs in the background and is left and resumed; one in twenty is cancelled mid-way.
                    var text = random.Next(4) == 0 ? $"soak #tool=list_tasks {Guid.NewGuid():N}" : "soak #tokens=20 #gapms=15";
                    var session = sessions[random.Next(sessions.Count)];
                    var kind = random.Next(100);
                    if (kind < 10)
                    {
                        await ResumedRunAsync(client, user, session, text);
                    }
                    else if (kind < 15)
                    {
                        await CancelledRunAsync(client, user, session);
                    }
                    else
                    {
                        await RunAsync(client, user, session, random.Next(100) < 15 ? random.Next(5, 200) : null, text);
                    }
                }
                else
                {
                    var victim = sessions[random.Next(sessions.Count)];
                    if (await SendAsync(client, HttpMethod.Delete, $"/api/v1/chatkit/sessions/{victim}", user, null) is not null)
                    {
                        sessions.Remove(victim);
                        foreach (var (message, session) in _acknowledged.Where(p => p.Value == victim).ToList())
                        {
                            _acknowledged.TryRemove(message, out _);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                if (!ct.IsCancellationRequested)
                {
                    Count("exception:" + ex.GetType().Name);
                }
            }

            await Task.Delay(random.Next(20, 120), CancellationToken.None);
        }
    }

    /// <summary>Sends a JSON request and counts its status; answers the body when it succeeded.</summary>
    private async Task<JsonNode?> SendAsync(HttpClient client, HttpMethod method, string path, string user, string? body)
    {
        var started = DateTime.UtcNow;
        using var request = Harness.Authorized(method, path, user, body);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Record((int)response.StatusCode, started, $"{method} {path}", text);
        return response.IsSuccessStatusCode ? JsonNode.Parse(text) : null;
    }

    /// <summary>A background run whose client leaves after the first events and comes back with <c>Last-Event-ID</c>.</summary>
    private async Task ResumedRunAsync(HttpClient client, string user, Guid session, string text)
    {
        var started = DateTime.UtcNow;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(60));
        using var request = Harness.Authorized(HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/threads/{session}/runs", user, Harness.RunBody(text, background: true));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Record((int)response.StatusCode, started, "POST runs (background)", response.IsSuccessStatusCode ? string.Empty : await response.Content.ReadAsStringAsync());
        if (!response.IsSuccessStatusCode)
        {
            return;
        }

        var first = await StreamTiming.ReadAsync(response, Stopwatch.GetTimestamp(), upstreamFormat: false, cts.Token);
        Acknowledge(first.UserMessageId, session);
        await Task.Delay(100, CancellationToken.None);
        using var resume = Harness.Authorized(HttpMethod.Get, $"/api/v1/chatkit/sessions/{session}/runs/{first.RunId}/events", user);
        resume.Headers.TryAddWithoutValidation("Last-Event-ID", first.LastEventId.ToString(CultureInfo.InvariantCulture));
        var resumedAt = DateTime.UtcNow;
        using var resumed = await client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
        Record((int)resumed.StatusCode, resumedAt, "GET run events", resumed.IsSuccessStatusCode ? string.Empty : await resumed.Content.ReadAsStringAsync());
        if (resumed.IsSuccessStatusCode)
        {
            var rest = await StreamTiming.ReadAsync(resumed, Stopwatch.GetTimestamp(), upstreamFormat: false, CancellationToken.None);
            Interlocked.Increment(ref _resumes);
            if (!rest.SawDone)
            {
                _unexpected.Add($"a resumed stream of run {first.RunId} did not end with [DONE]");
            }
        }
    }

    /// <summary>A run cancelled through the cancel endpoint while it streams.</summary>
    private async Task CancelledRunAsync(HttpClient client, string user, Guid session)
    {
        var started = DateTime.UtcNow;
        using var request = Harness.Authorized(HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/threads/{session}/runs", user, Harness.RunBody("soak #tokens=60 #gapms=20"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Record((int)response.StatusCode, started, "POST runs (to cancel)", response.IsSuccessStatusCode ? string.Empty : await response.Content.ReadAsStringAsync());
        if (!response.IsSuccessStatusCode)
        {
            return;
        }

        var runId = response.Headers.GetValues("X-Run-Id").First();
        var reading = StreamTiming.ReadAsync(response, Stopwatch.GetTimestamp(), upstreamFormat: false, CancellationToken.None);
        await Task.Delay(150, CancellationToken.None);
        var cancelAt = DateTime.UtcNow;
        await SendAsync(client, HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/runs/{runId}/cancel", user, null);
        var timing = await reading;
        Acknowledge(timing.UserMessageId, session);
        Interlocked.Increment(ref _cancels);
        if (!timing.SawDone)
        {
            _unexpected.Add($"a cancelled run's stream did not end with [DONE] (cancelled at {cancelAt:HH:mm:ss.fff})");
        }
    }

    private async Task RunAsync(HttpClient client, string user, Guid session, int? hangUpAfterMs, string text)
    {
        var started = DateTime.UtcNow;
        using var cts = new CancellationTokenSource();
        using var request = Harness.Authorized(HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/threads/{session}/runs", user, Harness.RunBody(text));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            Record((int)response.StatusCode, started, "POST runs", await response.Content.ReadAsStringAsync());
            return;
        }

        Record(200, started, "POST runs", string.Empty);
        if (hangUpAfterMs is { } ms)
        {
            cts.CancelAfter(ms);
        }

        // The user message is committed before the stream's first byte; a client that saw its event holds its id.
        var timing = await StreamTiming.ReadAsync(response, Stopwatch.GetTimestamp(), upstreamFormat: false, cts.Token);
        Acknowledge(timing.UserMessageId, session);
        if (timing.Cancelled)
        {
            Interlocked.Increment(ref _disconnects);
        }
        else if (timing.SawError)
        {
            Interlocked.Increment(ref _streamErrors);
        }
    }

    private void Acknowledge(string? messageId, Guid session)
    {
        if (Guid.TryParse(messageId, out var id))
        {
            _acknowledged[id] = session;
        }
    }

    private void Record(int status, DateTime started, string what, string body)
    {
        Count(status.ToString(CultureInfo.InvariantCulture));
        if (status >= 500 && !InOutage(started) && !InOutage(DateTime.UtcNow))
        {
            _unexpected.Add($"{status} {what} at {started:HH:mm:ss.fff}: {(body.Length > 200 ? body[..200] : body)}");
        }
    }

    private bool InOutage(DateTime at)
    {
        lock (_outages)
        {
            return _outages.Any(o => at >= o.From && at <= o.To) || (_outageSince is { } since && at >= since);
        }
    }

    private void Count(string key) => _statuses.AddOrUpdate(key, 1, (_, n) => n + 1);

    private async Task<int> ReportAsync(Harness api)
    {
        await using var conn = new NpgsqlConnection(databaseUrl);
        var ids = _acknowledged.Keys.ToArray();
        var found = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM messages WHERE id = ANY(@ids)", new { ids });
        var missing = ids.Length - found;

        // Every acknowledged message must be answered by a stored reply (completed or cut short); replies cut when a
        // client hung up are written in the background, so give the writer time to drain.
        const string Replyless = """
            SELECT count(*) FROM messages u
            WHERE u.id = ANY(@ids)
              AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.session_id = u.session_id AND a.role = 'assistant' AND (a.created_at, a.id) > (u.created_at, u.id))
            """;
        long repliesLost;
        var drain = Stopwatch.StartNew();
        while ((repliesLost = await conn.ExecuteScalarAsync<long>(Replyless, new { ids })) > 0 && drain.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(500);
        }
        var samples = _memory.ToList();
        var startMiB = samples.Count > 2 ? samples.Skip(samples.Count / 10).First().Bytes / 1048576.0 : double.NaN;
        var endMiB = samples.Count > 0 ? samples[^1].Bytes / 1048576.0 : double.NaN;
        var firstHalf = samples.Skip(samples.Count / 10).Take(samples.Count / 2).Select(s => s.Bytes / 1048576.0).DefaultIfEmpty(0).Average();
        var lastQuarter = samples.Skip(samples.Count * 3 / 4).Select(s => s.Bytes / 1048576.0).DefaultIfEmpty(0).Average();
        var growing = lastQuarter > (firstHalf * 1.5) + 64;

        Console.WriteLine("\nRequests by status: " + string.Join(", ", _statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")));
        Console.WriteLine($"Streams: {_disconnects} hung up by the client, {_streamErrors} ended with an error event, {_resumes} background runs resumed, {_cancels} runs cancelled");
        Console.WriteLine($"5xx outside the database outage: {_unexpected.Count} (target 0)");
        foreach (var line in _unexpected.Take(10))
        {
            Console.WriteLine("  " + line);
        }

        Console.WriteLine($"Acknowledged user messages: {ids.Length}, missing from the database: {missing} (target 0)");
        Console.WriteLine($"Replies that should exist and do not: {repliesLost} (target 0)");
        if (_takeover is not null)
        {
            Console.WriteLine("Killed while a reply streamed: " + _takeover);
        }

        var errors = api.ErrorLines();
        Console.WriteLine($"Errors in the service's log (unhandled exceptions, failures no injected fault explains): {errors.Count} (target 0)");
        foreach (var group in errors.GroupBy(e => e).OrderByDescending(g => g.Count()).Take(10))
        {
            Console.WriteLine($"  {group.Count()} × {(group.Key.Length > 300 ? group.Key[..300] : group.Key)}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Resident memory: {startMiB:0} MiB after warm-up, {endMiB:0} MiB at the end; first-half mean {firstHalf:0} MiB, last-quarter mean {lastQuarter:0} MiB ({(growing ? "GROWING" : "no growth trend")})"));
        var ok = _unexpected.IsEmpty && missing == 0 && repliesLost == 0 && !growing && ids.Length > 0 && errors.Count == 0;
        Console.WriteLine(ok ? "SOAK PASSED" : "SOAK FAILED");
        return ok ? 0 : 1;
    }
}
