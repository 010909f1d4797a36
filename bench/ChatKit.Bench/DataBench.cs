using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

namespace ChatKit.Bench;

/// <summary>
/// Conversation data at size (docs/conversation-data.md): search latency with 100 000 messages of the caller's own and
/// 10 000, then 1 000 000, of other users' sharing the same words; and the export of 1 000 vs 100 000 messages, its time
/// and the service's peak resident memory while it streams. Rows go straight into the database, through the same
/// trigger that fills the search vectors of a sent message.
/// </summary>
public sealed class DataBench(Harness api, bool quick)
{
    private const string Searcher = "bench-search-own";
    private const string SmallExporter = "bench-export-small";

    /// <summary>A common word (about 3 % of messages), a rare one (about 0.2 %), two words, a phrase.</summary>
    private static readonly (string Name, string Q)[] Queries =
    [
        ("common word", "w17"), ("rare word", "w1500"), ("two words", "w17 w40"), ("phrase", "\"w5 w6\""),
    ];

    public async Task<JsonObject> RunAsync(Action<string> say)
    {
        var own = quick ? 20_000 : 100_000;
        var othersSmall = 10_000;
        var othersLarge = quick ? 200_000 : 1_000_000;
        var results = new JsonObject();
        say($"\n10. Conversation data (this build only: the baseline may have no search): search p50 / p99 over {Repeats} searches of each kind,");
        say($"    one client, with {own:N0} messages of the caller's own and others' messages sharing the same words; export time and peak RSS.");
        await using var conn = new NpgsqlConnection(api.DatabaseUrl);
        await conn.OpenAsync();
        await conn.ExecuteAsync("SET default_text_search_config = simple");
        await conn.ExecuteAsync(
            """
            CREATE OR REPLACE FUNCTION bench_words(n int) RETURNS text LANGUAGE sql VOLATILE AS $$
                SELECT string_agg('w' || floor(random() * random() * 2000)::int, ' ') FROM generate_series(1, n)
            $$
            """);
        await IndexBuiltAsync(conn);
        await SeedAsync(conn, Searcher, own);
        await SeedOthersAsync(conn, othersSmall);
        results["search_at_small"] = await SearchAsync(say, $"{othersSmall:N0} others'");
        await SeedOthersAsync(conn, othersLarge - othersSmall);
        results["search_at_large"] = await SearchAsync(say, $"{othersLarge:N0} others'");
        var small = results["search_at_small"]!["all"]!["p50_ms"]!.GetValue<double>();
        var large = results["search_at_large"]!["all"]!["p50_ms"]!.GetValue<double>();
        say(string.Create(CultureInfo.InvariantCulture, $"   p50 at {othersLarge:N0} others' / at {othersSmall:N0}: {large / small:0.00} (target within 2.00); p50 at {own:N0} own: {large:0.0} ms (target < 50)"));
        results["search_growth_ratio"] = large / small;

        await SeedAsync(conn, SmallExporter, 1_000);
        var exportSmall = await ExportAsync(SmallExporter);
        var exportLarge = await ExportAsync(Searcher);
        say("   export           | messages | lines   | MiB    | time s | service peak RSS over before (MiB)");
        foreach (var (label, e, count) in new[] { ("1 000 messages", exportSmall, 1_000), ($"{own:N0} messages", exportLarge, own) })
        {
            say(string.Create(CultureInfo.InvariantCulture, $"   {label,-16} | {count,8} | {e.Lines,7} | {e.Bytes / 1048576.0,6:0.0} | {e.Seconds,6:0.00} | {e.PeakRssMiB,5:0.0}"));
        }

        results["export_small"] = new JsonObject { ["seconds"] = exportSmall.Seconds, ["peak_rss_mib"] = exportSmall.PeakRssMiB, ["lines"] = exportSmall.Lines };
        results["export_large"] = new JsonObject { ["seconds"] = exportLarge.Seconds, ["peak_rss_mib"] = exportLarge.PeakRssMiB, ["lines"] = exportLarge.Lines };

        // The large export read back into another account, then both accounts erased.
        var file = Path.Combine(Path.GetTempPath(), $"chatkit-bench-export-{Environment.ProcessId}.ndjson");
        try
        {
            await SaveExportAsync(Searcher, file);
            var (importSeconds, importRss) = await WithPeakRssAsync(() => ImportAsync(file));
            say(string.Create(CultureInfo.InvariantCulture, $"   import of that export ({new FileInfo(file).Length / 1048576.0:0.0} MiB) into another account: {importSeconds:0.00} s, service peak RSS over before {importRss:0.0} MiB"));
            results["import_large"] = new JsonObject { ["seconds"] = importSeconds, ["peak_rss_mib"] = importRss };
        }
        finally
        {
            File.Delete(file);
        }

        var erased = Stopwatch.GetTimestamp();
        await EraseAsync(Searcher);
        var eraseSeconds = Stopwatch.GetElapsedTime(erased).TotalSeconds;
        say(string.Create(CultureInfo.InvariantCulture, $"   erasure (DELETE /api/v1/me) of the account with {own:N0} messages: {eraseSeconds:0.00} s"));
        results["erase_large_seconds"] = eraseSeconds;
        return results;
    }

    private const string Importer = "bench-import";

    private async Task SaveExportAsync(string user, string file)
    {
        using var client = api.NewClient(TimeSpan.FromMinutes(10));
        using var response = await client.SendAsync(Harness.Authorized(HttpMethod.Get, "/api/v1/chatkit/export", user), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var output = File.Create(file);
        await response.Content.CopyToAsync(output);
    }

    private async Task ImportAsync(string file)
    {
        using var client = api.NewClient(TimeSpan.FromMinutes(10));
        await using var input = File.OpenRead(file);
        var request = Harness.Authorized(HttpMethod.Post, "/api/v1/chatkit/import", Importer);
        request.Content = new StreamContent(input);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"import answered {(int)response.StatusCode}: {body}");
        }
    }

    private async Task EraseAsync(string user)
    {
        using var client = api.NewClient(TimeSpan.FromMinutes(10));
        using var response = await client.SendAsync(Harness.Authorized(HttpMethod.Delete, "/api/v1/me", user, $$"""{"confirm": "{{user}}"}"""));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"erasure answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private int Repeats => quick ? 50 : 200;

    /// <summary>The service builds the search index once it has started (SearchBackfill); seeding before that would race it.</summary>
    private static async Task IndexBuiltAsync(NpgsqlConnection conn)
    {
        var waited = Stopwatch.StartNew();
        while (await conn.ExecuteScalarAsync<bool?>("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('ix_messages_search')") != true)
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException("the service did not build the search index ix_messages_search within 2 minutes");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A user with <paramref name="messages"/> messages in sessions of 100, alternating user and assistant.</summary>
    private static async Task SeedAsync(NpgsqlConnection conn, string user, int messages)
    {
        var sessions = Math.Max(1, messages / 100);
        await conn.ExecuteAsync(
            """
            INSERT INTO sessions (id, user_id, title, auto_title, created_at, updated_at, message_count)
            SELECT gen_random_uuid(), @user, 'Seeded ' || g, false, now(), now(), @each FROM generate_series(1, @sessions) g
            """,
            new { user, sessions, each = messages / sessions },
            commandTimeout: 0);
        await conn.ExecuteAsync(
            """
            INSERT INTO messages (id, session_id, role, content, status, created_at)
            SELECT gen_random_uuid(), s.id, CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END,
                   jsonb_build_array(jsonb_build_object('type', CASE WHEN g % 2 = 0 THEN 'input_text' ELSE 'output_text' END,
                                                        'text', bench_words(12))),
                   'completed', now() - (random() * interval '300 days')
            FROM sessions s, generate_series(1, @each) g WHERE s.user_id = @user
            """,
            new { user, each = messages / sessions },
            commandTimeout: 0);
        await conn.ExecuteAsync("ANALYZE messages; ANALYZE sessions;", commandTimeout: 0);
    }

    /// <summary>Other users' messages, 1 000 users at a time, in statements of at most 100 000 rows.</summary>
    private static async Task SeedOthersAsync(NpgsqlConnection conn, int messages)
    {
        for (var done = 0; done < messages; done += 100_000)
        {
            var batch = Math.Min(100_000, messages - done);
            await SeedAsync(conn, $"bench-other-{done}", batch);
        }
    }

    private async Task<JsonObject> SearchAsync(Action<string> say, string label)
    {
        using var client = api.NewClient();
        var results = new JsonObject();
        var all = new List<double>();
        var line = new List<string>();
        foreach (var (name, q) in Queries)
        {
            var path = "/api/v1/chatkit/search?limit=20&q=" + Uri.EscapeDataString(q);
            for (var i = 0; i < 10; i++)
            {
                await GetAsync(client, path);
            }

            var times = new List<double>();
            var hits = 0;
            for (var i = 0; i < Repeats; i++)
            {
                var started = Stopwatch.GetTimestamp();
                hits = await GetAsync(client, path);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            all.AddRange(times);
            var (p50, p99) = (Stats.Percentile(times, 50), Stats.Percentile(times, 99));
            results[name] = new JsonObject { ["p50_ms"] = p50, ["p99_ms"] = p99, ["hits_on_page"] = hits };
            line.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {p50:0.0} / {p99:0.0}"));
        }

        var (allP50, allP99) = (Stats.Percentile(all, 50), Stats.Percentile(all, 99));
        results["all"] = new JsonObject { ["p50_ms"] = allP50, ["p99_ms"] = allP99 };
        say(string.Create(CultureInfo.InvariantCulture, $"   search with {label,-17} | all {allP50:0.0} / {allP99:0.0} ms | {string.Join(" | ", line)}"));
        return results;
    }

    private static async Task<int> GetAsync(HttpClient client, string path)
    {
        using var response = await client.SendAsync(Harness.Authorized(HttpMethod.Get, path, Searcher));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"search answered {(int)response.StatusCode}: {body}");
        }

        return JsonNode.Parse(body)!["data"]!.AsArray().Count;
    }

    private async Task<(double Seconds, double PeakRssMiB, long Lines, long Bytes)> ExportAsync(string user)
    {
        long bytes = 0, lines = 0;
        var (seconds, peak) = await WithPeakRssAsync(async () =>
        {
            using var client = api.NewClient(TimeSpan.FromMinutes(10));
            using var response = await client.SendAsync(Harness.Authorized(HttpMethod.Get, "/api/v1/chatkit/export", user), HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                bytes += read;
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
        });
        return (seconds, peak, lines, bytes);
    }

    /// <summary>How long the work took, and the service's resident memory at its highest meanwhile over before it.</summary>
    private async Task<(double Seconds, double PeakRssMiB)> WithPeakRssAsync(Func<Task> work)
    {
        GC.Collect();
        await Task.Delay(1000);
        var (seconds, before, peak) = await api.PeakResidentAsync(work, TimeSpan.FromMilliseconds(20));
        return (seconds, (peak - before) / 1048576.0);
    }
}
