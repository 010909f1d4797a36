using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Testing;

namespace ChatKit.Bench;

/// <summary>The four measurements of docs/performance.md, each against a baseline taken in the same run.</summary>
public sealed class Bench(Harness api, FakeLlmServer upstream, string pgBin, string pgHost, int pgPort, BenchOptions options)
{
    private readonly JsonObject _results = new();
    private long _repliesLost;
    private readonly StringBuilder _table = new();

    public async Task<JsonObject> RunAsync()
    {
        Line($"ChatKit benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        await WarmUpAsync();
        (string Name, Func<Task> Measure)[] sections =
        [
            ("relay", RelayOverheadAsync), ("reads", ReadThroughputAsync), ("streams", OpenStreamsAsync),
            ("tools", ToolStepsAsync), ("runs", RunsAsync), ("growth", GrowthAsync), ("widgets", WidgetActionsAsync),
            ("attachments", AttachmentUploadsAsync),
        ];
        foreach (var (name, measure) in sections)
        {
            if (options.Sections is null || options.Sections.Contains(name))
            {
                await measure();
            }
        }

        _results["replies_lost"] = _repliesLost;
        _results["table"] = _table.ToString();
        return _results;
    }

    /// <summary>
    /// .NET compiles a method's optimised code only after it has run ~30 times: every section measures that code, also when
    /// run alone (<c>--sections</c>), so streams and both reads run first, unmeasured, the reads under load.
    /// </summary>
    private async Task WarmUpAsync()
    {
        var warm = await NewSessionsAsync("warm-up", 4, 5);
        for (var i = 0; i < 25; i++)
        {
            await Task.WhenAll(warm.Select(s => ApiStreamAsync("warm-up", s, "#tokens=5 #gapms=1")));
        }

        // The reads under load for a few seconds: 200 calls in a row left the first measured step (GET /sessions, 16 clients)
        // reading half of what the same step reads later in the run, while the optimised code was still being compiled.
        var until = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (until.Elapsed < TimeSpan.FromSeconds(4))
            {
                await GetAsync("warm-up", "/api/v1/chatkit/sessions");
                await GetAsync("warm-up", $"/api/v1/chatkit/sessions/{warm[0]}");
            }
        }));

        await Task.Delay(1500);
    }

    private void Line(string text)
    {
        Console.WriteLine(text);
        _table.AppendLine(text);
    }

    // 1. A client streaming straight from the fake upstream, through a bare YARP proxy, and through the API.
    private async Task RelayOverheadAsync()
    {
        const int tokens = 40;
        const int gapMs = 10;
        Line($"\n1. Relay overhead ({tokens} tokens, {gapMs} ms apart; added = through a relay minus straight from the upstream)");
        Line($"   Each figure is the median over {options.RelayRounds} rounds of each round's p50 (spread = lowest..highest round), so it repeats run to run.");
        Line("   API = the REST run; native = ChatKit's threads.create (a new thread each) and threads.add_user_message, same spread rule.");
        Line("   streams | TTFT p50 direct / YARP / API | added TTFT p50 YARP | added TTFT p50 API (spread) | added TTFT p99 API | added gap p50 / p99 API | first event p50 | added TTFT p50 native create / add (spreads) | service CPU per reply  (ms)");
        var rows = new JsonArray();
        await using var yarp = await YarpRelay.StartAsync(upstream.BaseUrl);
        using var viaYarp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = yarp.BaseUrl };

        for (var i = 0; i < 25; i++)
        {
            await Task.WhenAll(DirectStreamAsync(_direct, 5, 1), DirectStreamAsync(viaYarp, 5, 1));
        }

        await Task.Delay(500);

        // What the service does with nothing to do (timers, pings, telemetry, pools), before any stream of this section,
        // once the optimised code the warm-up asked for has been compiled.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idleFrom = api.CpuMilliseconds();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idleCpu = (api.CpuMilliseconds() - idleFrom) / 5;
        Line(string.Create(CultureInfo.InvariantCulture, $"   service CPU while idle: {idleCpu:0.0} ms per second"));
        _results["idle_cpu_ms_per_s"] = idleCpu;
        foreach (var concurrency in options.RelayConcurrency)
        {
            var sessions = await NewSessionsAsync("relay-" + concurrency, concurrency);
            var batches = Math.Max(1, 16 / concurrency);
            var rounds = new List<(double Direct, double Yarp, double Api, double Create, double Add)>();
            var allDirect = new List<StreamTiming>();
            var allApi = new List<StreamTiming>();
            double cpu = 0;
            var replies = 0;
            for (var round = -1; round < options.RelayRounds; round++)
            {
                var direct = new List<StreamTiming>();
                var proxied = new List<StreamTiming>();
                var viaApi = new List<StreamTiming>();
                var created = new List<StreamTiming>();
                var added = new List<StreamTiming>();
                for (var batch = 0; batch < batches; batch++)
                {
                    direct.AddRange(await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => DirectStreamAsync(_direct, tokens, gapMs))));
                    proxied.AddRange(await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => DirectStreamAsync(viaYarp, tokens, gapMs))));
                    var cpuFrom = api.CpuMilliseconds();
                    viaApi.AddRange(await Task.WhenAll(sessions.Select(s => ApiStreamAsync("relay-" + concurrency, s, $"#tokens={tokens} #gapms={gapMs}"))));
                    created.AddRange(await Task.WhenAll(sessions.Select(_ => NativeStreamAsync("relay-" + concurrency, null, $"#tokens={tokens} #gapms={gapMs}"))));
                    added.AddRange(await Task.WhenAll(sessions.Select(s => NativeStreamAsync("relay-" + concurrency, s, $"#tokens={tokens} #gapms={gapMs}"))));
                    if (round >= 0)
                    {
                        cpu += api.CpuMilliseconds() - cpuFrom;
                        replies += 3 * concurrency;
                    }
                }

                if (round < 0)
                {
                    continue; // warm-up round: JIT, connection pools and caches on every path; not recorded
                }

                rounds.Add((Summaries(direct).Ttft50, Summaries(proxied).Ttft50, Summaries(viaApi).Ttft50, Summaries(created).Ttft50, Summaries(added).Ttft50));
                allDirect.AddRange(direct);
                allApi.AddRange(viaApi);
            }

            var d = Summaries(allDirect);
            var a = Summaries(allApi);
            var addedApi = rounds.Select(r => r.Api - r.Direct).ToList();
            var addedYarp = rounds.Select(r => r.Yarp - r.Direct).ToList();
            var addedCreate = rounds.Select(r => r.Create - r.Direct).ToList();
            var addedAdd = rounds.Select(r => r.Add - r.Direct).ToList();
            var medianApi = Stats.Percentile(addedApi, 50);
            var medianYarp = Stats.Percentile(addedYarp, 50);
            var firstEvent = Stats.Percentile(allApi.Select(t => t.FirstEventMs).ToList(), 50);
            Line(string.Create(CultureInfo.InvariantCulture,
                $"   {concurrency,7} | {Stats.Percentile(rounds.Select(r => r.Direct).ToList(), 50),6:0.00} / {Stats.Percentile(rounds.Select(r => r.Yarp).ToList(), 50),5:0.00} / {Stats.Percentile(rounds.Select(r => r.Api).ToList(), 50),5:0.00} | {medianYarp,19:0.00} | {medianApi,9:0.00} ({addedApi.Min():0.00}..{addedApi.Max():0.00}) | {a.Ttft99 - d.Ttft99,18:0.00} | {a.Gap50 - d.Gap50,9:0.00} / {a.Gap99 - d.Gap99,6:0.00} | {firstEvent,15:0.00} | {Stats.Percentile(addedCreate, 50):0.00} / {Stats.Percentile(addedAdd, 50):0.00} ({addedCreate.Min():0.00}..{addedCreate.Max():0.00} / {addedAdd.Min():0.00}..{addedAdd.Max():0.00}) | {cpu / Math.Max(1, replies):0.0}"));
            rows.Add(new JsonObject
            {
                ["streams"] = concurrency,
                ["rounds"] = rounds.Count,
                ["ttft_direct_p50"] = Stats.Percentile(rounds.Select(r => r.Direct).ToList(), 50),
                ["ttft_yarp_p50"] = Stats.Percentile(rounds.Select(r => r.Yarp).ToList(), 50),
                ["ttft_api_p50"] = Stats.Percentile(rounds.Select(r => r.Api).ToList(), 50),
                ["added_ttft_yarp_p50"] = medianYarp,
                ["added_ttft_p50"] = medianApi,
                ["added_ttft_p50_min"] = addedApi.Min(),
                ["added_ttft_p50_max"] = addedApi.Max(),
                ["added_ttft_p99"] = a.Ttft99 - d.Ttft99,
                ["added_gap_p50"] = a.Gap50 - d.Gap50,
                ["added_gap_p99"] = a.Gap99 - d.Gap99,
                ["first_event_p50"] = firstEvent,
                ["cpu_ms_per_reply"] = cpu / Math.Max(1, replies),
                ["added_ttft_native_create_p50"] = Stats.Percentile(addedCreate, 50),
                ["added_ttft_native_create_p50_min"] = addedCreate.Min(),
                ["added_ttft_native_create_p50_max"] = addedCreate.Max(),
                ["added_ttft_native_add_p50"] = Stats.Percentile(addedAdd, 50),
                ["added_ttft_native_add_p50_min"] = addedAdd.Min(),
                ["added_ttft_native_add_p50_max"] = addedAdd.Max(),
                ["api_streams_completed"] = allApi.Count(t => t.SawDone && !t.SawError),
                ["api_streams"] = allApi.Count,
            });
        }

        _results["relay"] = rows;
    }

    private static (double Ttft50, double Ttft99, double Gap50, double Gap99) Summaries(List<StreamTiming> timings)
    {
        var ttft = timings.Select(t => t.TimeToFirstMs).Where(v => !double.IsNaN(v)).ToList();
        var gaps = timings.SelectMany(t => t.GapsMs).ToList();
        return (Stats.Percentile(ttft, 50), Stats.Percentile(ttft, 99), Stats.Percentile(gaps, 50), Stats.Percentile(gaps, 99));
    }

    private readonly HttpClient _direct = new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = upstream.BaseUrl };

    /// <summary>A streamed chat completion asked of the fake upstream, directly or through a relay.</summary>
    private static HttpRequestMessage UpstreamRequest(int tokens, int gapMs) => new(HttpMethod.Post, "chat/completions")
    {
        Content = JsonContent.Create(new { model = "fake/model", stream = true, messages = new[] { new { role = "user", content = $"#tokens={tokens} #gapms={gapMs}" } } }),
    };

    private static async Task<StreamTiming> DirectStreamAsync(HttpClient client, int tokens, int gapMs)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = UpstreamRequest(tokens, gapMs);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return await StreamTiming.ReadAsync(response, started, upstreamFormat: true, CancellationToken.None);
    }

    /// <summary>ChatKit's native endpoint: a new thread (<paramref name="thread"/> null) or a message added to one.</summary>
    private async Task<StreamTiming> NativeStreamAsync(string user, Guid? thread, string text)
    {
        var input = new { content = new[] { new { type = "input_text", text } }, attachments = Array.Empty<object>(), inference_options = new { } };
        var body = thread is { } id
            ? JsonSerializer.Serialize(new { type = "threads.add_user_message", @params = new { thread_id = id.ToString(), input } })
            : JsonSerializer.Serialize(new { type = "threads.create", @params = new { input } });
        using var request = Harness.Authorized(HttpMethod.Post, "/api/v1/chatkit", user, body);
        var started = Stopwatch.GetTimestamp();
        using var response = await api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return await StreamTiming.ReadAsync(response, started, upstreamFormat: false, CancellationToken.None);
    }

    private async Task<StreamTiming> ApiStreamAsync(string user, Guid session, string text, CancellationToken ct = default)
    {
        using var request = Harness.Authorized(HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/threads/{session}/runs", user, Harness.RunBody(text));
        var started = Stopwatch.GetTimestamp();
        using var response = await api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        return await StreamTiming.ReadAsync(response, started, upstreamFormat: false, ct);
    }

    private async Task<List<Guid>> NewSessionsAsync(string user, int count, int messagesEach = 0) =>
        await api.SeedSessionsAsync(user, count, messagesEach);

    // 2. GET /sessions and GET /sessions/{id} against pgbench running the same SQL at the same concurrency.
    private async Task ReadThroughputAsync()
    {
        Line($"\n2. Read throughput vs the database's own limit ({options.ReadSeconds} s each; a user with 10 sessions of 20 messages)");
        Line("   request            clients |  api req/s  p50 / p99 ms | pgbench tps | api / pgbench | service CPU µs per request");
        var ids = await NewSessionsAsync("reader", 10, 20);
        var sid = ids[0];
        var cases = new (string Name, string Path, string Sql)[]
        {
            ("GET /sessions", "/api/v1/chatkit/sessions",
                "SELECT count(*) FROM sessions WHERE user_id = 'reader';\n" +
                "SELECT id, user_id, title, created_at, updated_at, message_count FROM sessions WHERE user_id = 'reader' ORDER BY updated_at DESC, id DESC;\n"),
            // The one statement SessionStore.ReadDetailAsync sends (the landed build before it sent three: the session, the
            // messages, the usage totals), so the ratio compares the service with the database doing the same work.
            ("GET /sessions/{id}", $"/api/v1/chatkit/sessions/{sid}",
                "SELECT s.id, s.user_id, s.title, s.created_at, s.updated_at, s.message_count, s.user_id = 'reader' AS owned, " +
                "CASE WHEN s.run_claimed_until > clock_timestamp() THEN s.run_claim_id END AS active_run_id, " +
                "s.run_started_at AS active_run_started_at, s.run_background AS active_run_background, " +
                "u.prompt_total, u.completion_total, u.tokens_total, u.cost_total, p.* FROM sessions s " +
                "CROSS JOIN LATERAL (SELECT coalesce(sum(prompt_tokens), 0) AS prompt_total, coalesce(sum(completion_tokens), 0) AS completion_total, " +
                "coalesce(sum(total_tokens), 0) AS tokens_total, coalesce(sum(cost_usd), 0) AS cost_total FROM usage WHERE session_id = s.id AND s.user_id = 'reader') u " +
                "LEFT JOIN LATERAL (SELECT m.id, m.session_id, m.role, m.content::text AS content, m.tool_calls::text AS tool_calls, m.status, m.created_at, " +
                "m.model, m.prompt_tokens, m.completion_tokens, m.total_tokens, m.tool_call_id, m.feedback FROM messages m " +
                $"WHERE m.session_id = s.id AND s.user_id = 'reader' ORDER BY m.created_at, m.id) p ON true WHERE s.id = '{sid}' ORDER BY p.created_at, p.id;\n"),
        };
        var rows = new JsonArray();
        foreach (var (name, path, sql) in cases)
        {
            foreach (var clients in options.ReadConcurrency)
            {
                // CPU per request moves far less with the neighbours' load than throughput does on two shared cores.
                var cpuBefore = api.CpuMilliseconds();
                var (rps, p50, p99, errors) = await LoadAsync(path, "reader", clients, TimeSpan.FromSeconds(options.ReadSeconds));
                var cpuUs = (api.CpuMilliseconds() - cpuBefore) * 1000 / (rps * options.ReadSeconds);
                var tps = await PgbenchAsync(sql, clients, options.ReadSeconds);
                Line(string.Create(CultureInfo.InvariantCulture,
                    $"   {name,-18} {clients,7} | {rps,9:0} {p50,6:0.0} / {p99,5:0.0} | {tps,11:0} | {rps / tps,13:P0} | {cpuUs,6:0}{(errors > 0 ? $"  ({errors} errors)" : string.Empty)}"));
                rows.Add(new JsonObject
                {
                    ["request"] = name,
                    ["clients"] = clients,
                    ["api_rps"] = rps,
                    ["api_p50_ms"] = p50,
                    ["api_p99_ms"] = p99,
                    ["pgbench_tps"] = tps,
                    ["ratio"] = rps / tps,
                    ["cpu_us_per_request"] = cpuUs,
                    ["errors"] = errors,
                });
            }
        }

        _results["reads"] = rows;
    }

    private async Task<(double Rps, double P50, double P99, int Errors)> LoadAsync(string path, string user, int clients, TimeSpan duration)
    {
        var token = Harness.Token(user);
        var latencies = new List<double>[clients];
        var errors = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            latencies[i] = [];
            while (stop.Elapsed < duration)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Authorization = new("Bearer", token);
                var started = Stopwatch.GetTimestamp();
                using var response = await api.Client.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                latencies[i].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        var all = latencies.SelectMany(l => l).ToList();
        return (all.Count / stop.Elapsed.TotalSeconds, Stats.Percentile(all, 50), Stats.Percentile(all, 99), errors);
    }

    private async Task<double> PgbenchAsync(string sql, int clients, int seconds)
    {
        var script = Path.Combine(Path.GetTempPath(), $"chatkit-pgbench-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(script, sql);
        var info = new ProcessStartInfo(Path.Combine(pgBin, "pgbench"),
            ["-n", "-M", "extended", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture),
             "-f", script, "-h", pgHost, "-p", pgPort.ToString(CultureInfo.InvariantCulture), "-U", "chatkit", "chatkit"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["PGPASSWORD"] = "chatkit";
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        File.Delete(script);
        var match = System.Text.RegularExpressions.Regex.Match(output, @"tps = ([\d.]+) \(without initial connection time\)");
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }

    // 3. How many streams one instance holds open against a slow upstream, what each costs, and DB connections.
    private async Task OpenStreamsAsync()
    {
        Line("\n3. Concurrent open streams (upstream sends a token every 2 s; each step on a freshly started service, over its idle RSS)");
        Line("   streams open | opened in s | RSS MiB | KiB / stream | DB conns open / busy | token gap p50 / p99 ms (added over 2000) | replies lost when all hang up at once");
        var rows = new JsonArray();

        // Every stream outlasts the whole step (opening them all, then the measurement), so each one counted is open.
        var tokens = (options.OpenStreamsTimeoutSeconds + 60) / 2;
        foreach (var target in options.OpenStreams)
        {
            var sessions = await NewSessionsAsync("streamer-" + target, target);

            // Each step over an idle process of its own: a fresh start, the stream path warmed by a few short replies. The
            // runs of an earlier step stay resumable for RUN_EVENTS_TTL_SECONDS, and what a process keeps after a bigger
            // step would flatter the next one's delta: neither belongs to these streams.
            await api.RestartAsync();
            var warm = await NewSessionsAsync("streamer-warm-" + target, 8);
            for (var i = 0; i < 5; i++)
            {
                await Task.WhenAll(warm.Select(s => ApiStreamAsync("streamer-warm-" + target, s, "#tokens=3 #gapms=1")));
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
            var baseline = api.ResidentBytes();
            using var client = api.NewClient(Timeout.InfiniteTimeSpan);
            var token = Harness.Token("streamer-" + target);
            var started = Stopwatch.StartNew();
            using var held = HeldStreams.Open(
                sessions.Count,
                (i, ct) =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chatkit/sessions/{sessions[i]}/threads/{sessions[i]}/runs")
                    {
                        Content = new StringContent(Harness.RunBody($"#tokens={tokens} #gapms=2000"), Encoding.UTF8, "application/json"),
                    };
                    request.Headers.Authorization = new("Bearer", token);
                    return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                },
                line => line.Contains("text_delta", StringComparison.Ordinal));
            await held.WaitOpenAsync(target, TimeSpan.FromSeconds(options.OpenStreamsTimeoutSeconds));
            var openedIn = started.Elapsed.TotalSeconds;
            var opened = held.Opened;
            held.Measure();
            await Task.Delay(TimeSpan.FromSeconds(8));
            if (api.HasExited)
            {
                // A build that cannot hold this many streams: said as such, and the rest of the bench still runs.
                var cause = api.LastLogLine();
                Line(string.Create(CultureInfo.InvariantCulture, $"   {opened,6} / {target,-5} | the service exited holding them: {cause}; restarted, larger steps skipped"));
                rows.Add(new JsonObject { ["target"] = target, ["opened"] = opened, ["service_exited"] = cause });
                await held.CloseAsync();
                await api.RestartAsync();
                break;
            }

            var rss = api.ResidentBytes();
            const string Backends = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'chatkit' AND backend_type = 'client backend' AND pid <> pg_backend_pid()";
            var connections = await api.ScalarAsync(Backends);
            var busy = await api.ScalarAsync(Backends + " AND state <> 'idle'");
            var gapList = held.Gaps.ToList();
            var perStream = (rss - baseline) / 1024.0 / Math.Max(1, opened);
            Line(string.Create(CultureInfo.InvariantCulture,
                $"   {opened,6} / {target,-5} | {openedIn,11:0.0} | {rss / 1048576.0,7:0} | {perStream,12:0.0} | {connections,9} / {busy,-4} | {Stats.Percentile(gapList, 50),7:0} / {Stats.Percentile(gapList, 99),5:0} ({Stats.Percentile(gapList, 99) - 2000:+0;-0} ms)"));
            rows.Add(new JsonObject
            {
                ["target"] = target,
                ["opened"] = opened,
                ["opened_in_s"] = openedIn,
                ["rss_mib"] = rss / 1048576.0,
                ["kib_per_stream"] = perStream,
                ["db_connections_open"] = connections,
                ["db_connections_busy"] = busy,
                ["gap_p50_ms"] = Stats.Percentile(gapList, 50),
                ["gap_p99_ms"] = Stats.Percentile(gapList, 99),
            });
            await held.CloseAsync();
            var lost = await LostRepliesAsync("streamer-" + target);
            _repliesLost += lost;
            Line(string.Create(CultureInfo.InvariantCulture, $"   {string.Empty,6}   {string.Empty,-5}   all {opened} clients hung up at once: {lost} replies lost (target 0)"));
            rows[^1]!["replies_lost"] = lost;
            var floor = await RelayFloorAsync(target, tokens);
            Line(string.Create(CultureInfo.InvariantCulture, $"   {string.Empty,6}   {string.Empty,-5}   the floor: {floor.Opened} streams through a bare YARP relay (a process of its own) cost it {floor.KibPerStream:0.0} KiB each"));
            rows[^1]!["yarp_kib_per_stream"] = floor.KibPerStream;
            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        _results["open_streams"] = rows;
    }

    /// <summary>The same number of streams, just as slow, relayed by YARP alone: its resident memory per open stream.</summary>
    private async Task<(int Opened, double KibPerStream)> RelayFloorAsync(int target, int tokens)
    {
        await using var relay = await RelayProcess.StartAsync(upstream.BaseUrl);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = relay.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
        await DirectStreamAsync(client, 5, 1); // the relay's routes and its first upstream connection
        var baseline = relay.ResidentBytes();
        using var held = HeldStreams.Open(
            target,
            (_, ct) => client.SendAsync(UpstreamRequest(tokens, 2000), HttpCompletionOption.ResponseHeadersRead, ct),
            line => line.StartsWith("data: ", StringComparison.Ordinal));
        await held.WaitOpenAsync(target, TimeSpan.FromSeconds(options.OpenStreamsTimeoutSeconds));
        await Task.Delay(TimeSpan.FromSeconds(8));
        var rss = relay.ResidentBytes();
        await held.CloseAsync();
        return (held.Opened, (rss - baseline) / 1024.0 / Math.Max(1, held.Opened));
    }

    /// <summary>
    /// Sessions of the user whose message was stored but that hold no reply: every cut reply must be stored, so after
    /// the writer has had time to drain (a minute at most) this is 0.
    /// </summary>
    private async Task<long> LostRepliesAsync(string user)
    {
        var sql = $"""
            SELECT count(*) FROM sessions s
            WHERE s.user_id = '{user}'
              AND EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND m.role = 'user')
              AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND m.role = 'assistant')
            """;
        var deadline = Stopwatch.StartNew();
        long lost;
        while ((lost = await api.ScalarAsync(sql)) > 0 && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(500);
        }

        return lost;
    }

    // 5. What one agent step costs the service, model time excluded: from the end of the model's tool-call response
    // to the arrival of the request that carries the tool's result (the tool ran, the step was stored, the prompt built).
    private async Task ToolStepsAsync()
    {
        Line($"\n5. Agent tool steps ({options.ToolTurns} turns, each: the model calls list_tasks, then answers)");
        Line("   added time per tool step (model time excluded) p50 / p99 ms | turns completed");
        var sessions = await NewSessionsAsync("agent", Math.Min(options.ToolTurns, 50));
        upstream.ToolStepGapsMs.Clear();
        var completed = 0;
        for (var i = 0; i < options.ToolTurns; i++)
        {
            var session = sessions[i % sessions.Count];
            var timing = await ApiStreamAsync("agent", session, $"#tool=list_tasks {Guid.NewGuid():N}");
            if (timing.SawDone && !timing.SawError)
            {
                completed++;
            }
        }

        var gaps = upstream.ToolStepGapsMs.Skip(Math.Min(5, options.ToolTurns / 4)).ToList(); // the first few warm the path up
        var p50 = Stats.Percentile(gaps, 50);
        var p99 = Stats.Percentile(gaps, 99);
        Line(string.Create(CultureInfo.InvariantCulture, $"   {p50,36:0.00} / {p99,6:0.00} (target p50 <= 2 ms) | {completed} / {options.ToolTurns}"));
        // No gaps means the service under test offered no tools (an older build): there is no figure, not a zero.
        _results["tool_steps"] = new JsonObject
        {
            ["turns"] = options.ToolTurns,
            ["completed"] = completed,
            ["step_p50_ms"] = gaps.Count > 0 ? p50 : null,
            ["step_p99_ms"] = gaps.Count > 0 ? p99 : null,
        };
    }

    // 6. Runs that outlive their connection: reattaching, cancelling, and what a finished run's buffer costs.
    private async Task RunsAsync()
    {
        var samples = options.ToolTurns / 2;
        Line($"\n6. Runs that outlive their connection ({samples} runs each)");
        var sessions = await NewSessionsAsync("resumer", samples);
        var resume = new List<double>();
        var cancel = new List<double>();
        using var client = api.NewClient(Timeout.InfiniteTimeSpan);
        var token = Harness.Token("resumer");
        foreach (var session in sessions)
        {
            // Leave a background run after 5 events, then time the resume to its first replayed event.
            using var cts = new CancellationTokenSource();
            using var start = Harness.Authorized(HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/threads/{session}/runs", "resumer",
                Harness.RunBody($"#tokens=40 #gapms=5 {Guid.NewGuid():N}", background: true));
            using var response = await client.SendAsync(start, HttpCompletionOption.ResponseHeadersRead);
            var runId = response.Headers.GetValues("X-Run-Id").First();
            using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
            {
                for (var events = 0; events < 5 && await reader.ReadLineAsync() is { } line;)
                {
                    events += line.StartsWith("data: ", StringComparison.Ordinal) ? 1 : 0;
                }
            }

            using var again = Harness.Authorized(HttpMethod.Get, $"/api/v1/chatkit/sessions/{session}/runs/{runId}/events", "resumer");
            again.Headers.TryAddWithoutValidation("Last-Event-ID", "5");
            var asked = Stopwatch.GetTimestamp();
            using var resumed = await client.SendAsync(again, HttpCompletionOption.ResponseHeadersRead);
            using (var reader = new StreamReader(await resumed.Content.ReadAsStreamAsync()))
            {
                while (await reader.ReadLineAsync() is { } line && !line.StartsWith("data: ", StringComparison.Ordinal))
                {
                }

                resume.Add(Stopwatch.GetElapsedTime(asked).TotalMilliseconds);
                await reader.ReadToEndAsync();
            }

            // A slow run, cancelled from the endpoint: time until the upstream connection is closed.
            var watch = Guid.NewGuid().ToString("N");
            using var slow = Harness.Authorized(HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/threads/{session}/runs", "resumer",
                Harness.RunBody($"#tokens=400 #gapms=20 #watch={watch}", background: true));
            using var running = await client.SendAsync(slow, HttpCompletionOption.ResponseHeadersRead);
            var slowRun = running.Headers.GetValues("X-Run-Id").First();
            using var slowReader = new StreamReader(await running.Content.ReadAsStreamAsync());
            while (await slowReader.ReadLineAsync() is { } line && !line.Contains("text_delta", StringComparison.Ordinal))
            {
            }

            var cancelAt = Stopwatch.GetTimestamp();
            using var stop = Harness.Authorized(HttpMethod.Post, $"/api/v1/chatkit/sessions/{session}/runs/{slowRun}/cancel", "resumer");
            using (await client.SendAsync(stop))
            {
            }

            var deadline = Stopwatch.StartNew();
            while (!upstream.WatchedClosedAt.ContainsKey(watch) && deadline.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(1);
            }

            if (upstream.WatchedClosedAt.TryGetValue(watch, out var closed))
            {
                cancel.Add(Stopwatch.GetElapsedTime(cancelAt, closed).TotalMilliseconds);
            }

            await slowReader.ReadToEndAsync();
        }

        // What finished runs kept for resuming cost: resident memory before and after a batch of them, per run.
        var before = api.ResidentBytes();
        var batch = await NewSessionsAsync("buffers", 200);
        await Task.WhenAll(batch.Select(s => ApiStreamAsync("buffers", s, "#tokens=100 #gapms=0")));
        var perRun = (api.ResidentBytes() - before) / 1024.0 / batch.Count;

        Line("   resume to first replayed event p50 / p99 ms | cancel to upstream closed p50 / p99 ms | memory per finished run kept for resume (100 tokens)");
        Line(string.Create(CultureInfo.InvariantCulture,
            $"   {Stats.Percentile(resume, 50),26:0.00} / {Stats.Percentile(resume, 99),6:0.00} | {Stats.Percentile(cancel, 50),20:0.00} / {Stats.Percentile(cancel, 99),6:0.00} (target < 1000) | {perRun,8:0.0} KiB (RSS delta over 200 runs; noisy)"));
        _results["runs"] = new JsonObject
        {
            ["resume_first_event_p50_ms"] = Stats.Percentile(resume, 50),
            ["resume_first_event_p99_ms"] = Stats.Percentile(resume, 99),
            ["cancel_upstream_closed_p50_ms"] = cancel.Count > 0 ? Stats.Percentile(cancel, 50) : null,
            ["cancel_upstream_closed_p99_ms"] = cancel.Count > 0 ? Stats.Percentile(cancel, 99) : null,
            ["cancels_measured"] = cancel.Count,
            ["kib_per_kept_run"] = perRun,
        };
    }

    // 4. Latency as data grows: it should stay flat.
    private async Task GrowthAsync()
    {
        Line("\n4. Cost as data grows (p50 / p99 ms over 40 requests each)");
        Line("   stored messages | GET /sessions/{id}?limit=50 | same, page at the middle | start a run (to first event)");
        var rows = new JsonArray();
        foreach (var size in options.GrowthSizes)
        {
            var user = "grower-" + size;
            var sid = (await NewSessionsAsync(user, 1, size))[0];
            var first = await TimeAsync(40, () => GetAsync(user, $"/api/v1/chatkit/sessions/{sid}?limit=50"));
            var middle = await MiddleCursorAsync(user, sid, size);
            var deep = await TimeAsync(40, () => GetAsync(user, $"/api/v1/chatkit/sessions/{sid}?limit=50&after={middle}"));
            var run = await TimeRunStartsAsync(20, user, sid);
            Line(string.Create(CultureInfo.InvariantCulture, $"   {size,15} | {first.P50,12:0.0} / {first.P99,6:0.0} | {deep.P50,12:0.0} / {deep.P99,6:0.0} | {run.P50,12:0.0} / {run.P99,6:0.0}"));
            rows.Add(new JsonObject { ["messages"] = size, ["page_p50"] = first.P50, ["page_p99"] = first.P99, ["middle_page_p50"] = deep.P50, ["middle_page_p99"] = deep.P99, ["start_run_p50"] = run.P50, ["start_run_p99"] = run.P99 });
        }

        Line("   sessions of the user | GET /sessions?limit=20 | GET /sessions (all)");
        foreach (var count in options.SessionCounts)
        {
            var user = "lister-" + count;
            await NewSessionsAsync(user, count);
            var paged = await TimeAsync(40, () => GetAsync(user, "/api/v1/chatkit/sessions?limit=20"));
            var all = await TimeAsync(10, () => GetAsync(user, "/api/v1/chatkit/sessions"));
            Line(string.Create(CultureInfo.InvariantCulture, $"   {count,20} | {paged.P50,9:0.0} / {paged.P99,6:0.0} | {all.P50,9:0.0} / {all.P99,6:0.0}"));
            rows.Add(new JsonObject { ["sessions"] = count, ["list_paged_p50"] = paged.P50, ["list_paged_p99"] = paged.P99, ["list_all_p50"] = all.P50, ["list_all_p99"] = all.P99 });
        }

        _results["growth"] = rows;
    }

    // 7. A click on the tasks widget (threads.sync_custom_action: the task changed, the widget stored and answered) beside
    // a plain GET of the same task, and the same click while a reply holds the thread.
    private async Task WidgetActionsAsync()
    {
        const int times = 300;
        const string user = "widgeteer";
        Line($"\n7. Widget actions ({times} clicks each; a click alternates tasks.complete and tasks.reopen on one task)");
        Line("   request                                        |  p50 / p99 ms");
        using (var create = Harness.Authorized(HttpMethod.Post, "/api/v1/tasks", user, "{\"title\":\"Bench task\"}"))
        using (var created = await api.Client.SendAsync(create))
        {
            var task = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["data"]!["id"]!.GetValue<string>();
            var (thread, widget) = await ListedThreadAsync(user);
            if (widget is null)
            {
                Line("   (no tasks widget: this build has no widget actions)");
                return;
            }

            var get = await TimeAsync(times, () => GetAsync(user, $"/api/v1/tasks/{task}"));
            var click = 0;
            Task Click() => SyncActionAsync(user, thread, widget, click++ % 2 == 0 ? "tasks.complete" : "tasks.reopen", task);
            var idle = await TimeAsync(times, Click);

            // A reply that holds the thread (the upstream stalls) while the user clicks: the click takes no run claim.
            using var streaming = Harness.Authorized(HttpMethod.Post, "/api/v1/chatkit", user, JsonSerializer.Serialize(new
            {
                type = "threads.add_user_message",
                @params = new { thread_id = thread, input = new { content = new[] { new { type = "input_text", text = "hold #stall" } }, attachments = Array.Empty<object>(), inference_options = new { } } },
            }));
            using var held = await api.Client.SendAsync(streaming, HttpCompletionOption.ResponseHeadersRead);
            var busy = await TimeAsync(times, Click);
            held.Dispose();
            foreach (var (name, (p50, p99)) in new[] { ("GET /api/v1/tasks/{id}", get), ("threads.sync_custom_action", idle), ("threads.sync_custom_action, a reply streaming", busy) })
            {
                Line(string.Create(CultureInfo.InvariantCulture, $"   {name,-46} | {p50,6:0.00} / {p99,6:0.00}"));
            }

            _results["widgets"] = new JsonObject
            {
                ["get_task_p50_ms"] = get.P50,
                ["get_task_p99_ms"] = get.P99,
                ["sync_action_p50_ms"] = idle.P50,
                ["sync_action_p99_ms"] = idle.P99,
                ["sync_action_streaming_p50_ms"] = busy.P50,
                ["sync_action_streaming_p99_ms"] = busy.P99,
            };
        }
    }

    // 8. Eight 10 MiB uploads at once (the REST one-step upload: multipart, streamed to PostgreSQL with COPY), the service's
    // resident memory sampled through them; beside the same bytes written straight to PostgreSQL by this process, in the same
    // run: a binary COPY of 256 KiB bytea rows (what the service does, without HTTP) and a plain INSERT of each file as one
    // bytea value. Then the eight files read back through their content URL.
    private async Task AttachmentUploadsAsync()
    {
        const int uploads = 8;
        const int size = 10 * 1024 * 1024;
        Line($"\n8. Attachments ({uploads} concurrent uploads of 10 MiB; MiB/s over the {uploads * 10} MiB; memory: the service's RSS)");
        var files = Enumerable.Range(0, uploads).Select(_ =>
        {
            var bytes = new byte[size];
            Random.Shared.NextBytes(bytes);
            new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
            return bytes;
        }).ToList();

        // Once unmeasured (the code paths compiled, the pool warm), then measured.
        if (await UploadAsync("uploader-warm", files[0]) is null)
        {
            Line("   (no attachments: this build has no upload endpoint)");
            return;
        }

        (string User, string Id)?[] ids = [];
        var (uploadSeconds, before, peak) = await api.PeakResidentAsync(
            async () => ids = await Task.WhenAll(files.Select((f, i) => UploadAsync($"uploader-{i}-{Guid.NewGuid():N}", f))), TimeSpan.FromMilliseconds(5));

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(ids.Select((id, i) => DownloadAsync(id!.Value.User, id.Value.Id, size)));
        var downloadSeconds = clock.Elapsed.TotalSeconds;

        var copySeconds = await DirectWritesAsync(files, copy: true);
        var insertSeconds = await DirectWritesAsync(files, copy: false);
        double Rate(double seconds) => uploads * 10 / seconds;
        Line("   write                                           |  MiB/s");
        foreach (var (name, seconds) in new[]
        {
            ("the service: POST /attachments (HTTP + COPY)", uploadSeconds), ("this process: binary COPY, 256 KiB rows", copySeconds),
            ("this process: INSERT, one 10 MiB bytea each", insertSeconds), ("the service: GET …/content (read back)", downloadSeconds),
        })
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"   {name,-47} | {Rate(seconds),6:0.0}"));
        }

        var risen = (peak - before) / (1024.0 * 1024);
        Line(string.Create(CultureInfo.InvariantCulture, $"   service RSS: {before / (1024.0 * 1024):0} MiB before, peak {peak / (1024.0 * 1024):0} MiB during: +{risen:0.0} MiB for {uploads} uploads (+{risen / uploads:0.00} MiB each; a whole-file buffer would be +10 each)"));
        _results["attachments"] = new JsonObject
        {
            ["upload_mib_s"] = Rate(uploadSeconds),
            ["copy_mib_s"] = Rate(copySeconds),
            ["insert_mib_s"] = Rate(insertSeconds),
            ["download_mib_s"] = Rate(downloadSeconds),
            ["rss_before_mib"] = before / (1024.0 * 1024),
            ["rss_peak_rise_mib"] = risen,
            ["rss_rise_per_upload_mib"] = risen / uploads,
        };
    }

    /// <summary>One REST one-step upload: its user and id, or null when the build has no such endpoint.</summary>
    private async Task<(string User, string Id)?> UploadAsync(string user, byte[] bytes)
    {
        using var request = Harness.Authorized(HttpMethod.Post, "/api/v1/chatkit/attachments", user);
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        request.Content = new MultipartFormDataContent { { file, "file", "bench.png" } };
        HttpResponseMessage response;
        try
        {
            response = await api.Client.SendAsync(request);
        }
        catch (HttpRequestException)
        {
            // A build without the endpoint refuses the body (413 past 64 KiB) and closes the connection while it is sent.
            return null;
        }

        using var _ = response;
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.MethodNotAllowed)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return (user, JsonNode.Parse(text)!["data"]!["id"]!.GetValue<string>());
    }

    private async Task DownloadAsync(string user, string id, int size)
    {
        using var request = Harness.Authorized(HttpMethod.Get, $"/api/v1/chatkit/attachments/{id}/content", user);
        using var response = await api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var read = (await response.Content.ReadAsByteArrayAsync()).Length;
        if (read != size)
        {
            throw new InvalidOperationException($"read back {read} bytes of {size}");
        }
    }

    /// <summary>The files written straight to PostgreSQL, concurrently, one connection each: seconds for all of them.</summary>
    private async Task<double> DirectWritesAsync(IReadOnlyList<byte[]> files, bool copy)
    {
        await using (var setup = new Npgsql.NpgsqlConnection(api.DatabaseUrl))
        {
            await setup.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand(
                "CREATE TABLE IF NOT EXISTS bench_chunks (file uuid, seq int, data bytea, PRIMARY KEY (file, seq)); " +
                "ALTER TABLE bench_chunks ALTER COLUMN data SET STORAGE EXTERNAL; TRUNCATE bench_chunks", setup);
            await create.ExecuteNonQueryAsync();
        }

        const int chunk = 256 * 1024;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(files.Select(async bytes =>
        {
            await using var conn = new Npgsql.NpgsqlConnection(api.DatabaseUrl);
            await conn.OpenAsync();
            var file = Guid.NewGuid();
            if (!copy)
            {
                await using var insert = new Npgsql.NpgsqlCommand("INSERT INTO bench_chunks VALUES ($1, 0, $2)", conn) { Parameters = { new() { Value = file }, new() { Value = bytes } } };
                await insert.ExecuteNonQueryAsync();
                return;
            }

            await using var importer = await conn.BeginBinaryImportAsync("COPY bench_chunks (file, seq, data) FROM STDIN (FORMAT BINARY)");
            for (var (seq, at) = (0, 0); at < bytes.Length; seq++, at += chunk)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(file, NpgsqlTypes.NpgsqlDbType.Uuid);
                await importer.WriteAsync(seq, NpgsqlTypes.NpgsqlDbType.Integer);
                await importer.WriteAsync(new ReadOnlyMemory<byte>(bytes, at, Math.Min(chunk, bytes.Length - at)), NpgsqlTypes.NpgsqlDbType.Bytea);
            }

            await importer.CompleteAsync();
        }));
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>A new thread whose turn listed the caller's tasks: its id and its widget's id (null when the build shows none).</summary>
    private async Task<(string Thread, string? Widget)> ListedThreadAsync(string user)
    {
        var body = JsonSerializer.Serialize(new
        {
            type = "threads.create",
            @params = new { input = new { content = new[] { new { type = "input_text", text = $"#tool=list_tasks {Guid.NewGuid():N}" } }, attachments = Array.Empty<object>(), inference_options = new { } } },
        });
        using var request = Harness.Authorized(HttpMethod.Post, "/api/v1/chatkit", user, body);
        using var response = await api.Client.SendAsync(request);
        string? thread = null, widget = null;
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)))
        {
            var e = JsonNode.Parse(line[6..])!;
            thread ??= e["thread"]?["id"]?.GetValue<string>();
            widget ??= e["item"]?["type"]?.GetValue<string>() == "widget" ? e["item"]!["id"]!.GetValue<string>() : null;
        }

        return (thread ?? throw new InvalidOperationException("threads.create answered no thread"), widget);
    }

    private async Task SyncActionAsync(string user, string thread, string widget, string type, string task)
    {
        var body = JsonSerializer.Serialize(new { type = "threads.sync_custom_action", @params = new { thread_id = thread, item_id = widget, action = new { type, payload = new { task_id = task } } } });
        using var request = Harness.Authorized(HttpMethod.Post, "/api/v1/chatkit", user, body);
        using var response = await api.Client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        response.EnsureSuccessStatusCode();
    }

    private async Task<string> MiddleCursorAsync(string user, Guid sid, int size)
    {
        // Walk to the middle with big pages; the cursor of that page is what a client deep in history holds.
        string? cursor = null;
        for (var seen = 0; seen < size / 2;)
        {
            using var request = Harness.Authorized(HttpMethod.Get, $"/api/v1/chatkit/sessions/{sid}?limit=200{(cursor is null ? string.Empty : "&after=" + cursor)}", user);
            using var response = await api.Client.SendAsync(request);
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            seen += json["data"]!["messages"]!.AsArray().Count;
            cursor = json["meta"]?["next_cursor"]?.GetValue<string>();
            if (cursor is null)
            {
                break;
            }
        }

        return cursor ?? string.Empty;
    }

    private async Task GetAsync(string user, string path)
    {
        using var request = Harness.Authorized(HttpMethod.Get, path, user);
        using var response = await api.Client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        response.EnsureSuccessStatusCode();
    }

    /// <summary>From sending a message to its first event (the stored user message), i.e. the cost of step one.</summary>
    private async Task<(double P50, double P99)> TimeRunStartsAsync(int times, string user, Guid sid)
    {
        var samples = new List<double>();
        for (var i = 0; i <= times; i++)
        {
            using var request = Harness.Authorized(HttpMethod.Post, $"/api/v1/chatkit/sessions/{sid}/threads/{sid}/runs", user, Harness.RunBody("#tokens=1"));
            var started = Stopwatch.GetTimestamp();
            using var response = await api.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            await reader.ReadLineAsync();
            if (i > 0)
            {
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            await reader.ReadToEndAsync(); // let the run finish so the next one is not a 409
        }

        return (Stats.Percentile(samples, 50), Stats.Percentile(samples, 99));
    }

    private static async Task<(double P50, double P99)> TimeAsync(int times, Func<Task> action)
    {
        await action();
        var samples = new List<double>();
        for (var i = 0; i < times; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await action();
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return (Stats.Percentile(samples, 50), Stats.Percentile(samples, 99));
    }
}

public sealed record BenchOptions(
    int[] RelayConcurrency,
    int RelayRounds,
    int[] ReadConcurrency,
    int ReadSeconds,
    int[] OpenStreams,
    int OpenStreamsTimeoutSeconds,
    int[] GrowthSizes,
    int[] SessionCounts,
    int ToolTurns)
{
    /// <summary><c>--sections relay,reads,streams,tools,runs,growth,widgets,attachments,takeover</c>: only these (null: all), for working on one figure.</summary>
    public IReadOnlySet<string>? Sections { get; init; }
}
