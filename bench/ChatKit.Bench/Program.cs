using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Bench;
using ChatKit.Testing;

// Usage (build.sh passes these): bench|soak --api-dll PATH --database-url URL --pg-bin DIR --pg-host HOST --pg-port N
//   [--out FILE] [--quick] [--compare OTHER_API_DLL] [--sections relay,reads,...,data,takeover] [--minutes M] [--redis-url URL] [--services SCRIPT]
var mode = args.Length > 0 ? args[0] : "bench";
string Arg(string name, string? fallback = null) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"{name} is required");
var quick = args.Contains("--quick");
if (mode == "relay")
{
    // The YARP floor of the open-streams section as a process of its own (RelayProcess): serves until killed.
    await using var relay = await YarpRelay.StartAsync(new Uri(Arg("--upstream")), int.Parse(Arg("--port"), System.Globalization.CultureInfo.InvariantCulture));
    Console.WriteLine("ready");
    await Task.Delay(Timeout.Infinite);
}

ThreadPool.SetMinThreads(64, 64);

await using var upstream = await FakeLlmServer.StartAsync(recordRequests: false);
var env = new Dictionary<string, string>
{
    ["OPENROUTER_API_KEY"] = "sk-bench",
    ["OPENROUTER_BASE_URL"] = upstream.BaseUrl.ToString(),
    ["OPENROUTER_MODEL"] = "fake/model",
    ["LLM_TIMEOUT_SECONDS"] = "10",
};

if (mode == "soak")
{
    env["REDIS_URL"] = Arg("--redis-url");
    env["RATE_LIMIT_PER_MINUTE"] = "600";
    var soak = new Soak(Arg("--api-dll"), Arg("--database-url"), env, upstream, Arg("--services"), TimeSpan.FromMinutes(double.Parse(Arg("--minutes", "10"), System.Globalization.CultureInfo.InvariantCulture)));
    return await soak.RunAsync();
}

var options = quick
    ? new BenchOptions([1, 16], 3, [16], 3, [200], 60, [100, 1000], [10, 1000], 60)
    : new BenchOptions([1, 16, 64], 5, [16, 64], 8, [1000, 5000, 10000], 240, [100, 1000, 10_000, 100_000], [10, 10_000], 300);
// Each open stream holds two sockets in the service (its client, the upstream): a step past the process's open-files
// limit measures the limit, not the service (a 10 000 step under a hard limit of 20 000 ended "Out of memory.").
if (Array.IndexOf(args, "--max-streams") >= 0)
{
    var most = int.Parse(Arg("--max-streams"), System.Globalization.CultureInfo.InvariantCulture);
    options = options with { OpenStreams = options.OpenStreams.Select(n => Math.Min(n, most / 1000 * 1000)).Distinct().ToArray() };
}

if (Array.IndexOf(args, "--sections") >= 0)
{
    options = options with { Sections = Arg("--sections").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet() };
}

// --compare DLL: the other build first, then this one, each on an empty database, by the same harness in one session.
var builds = new List<(string Label, string Dll)>();
if (Array.IndexOf(args, "--compare") >= 0)
{
    builds.Add(("baseline", Arg("--compare")));
}

builds.Add(("this build", Arg("--api-dll")));
var all = new JsonObject();
var lost = 0L;
foreach (var (label, dll) in builds)
{
    if (builds.Count > 1)
    {
        Console.WriteLine($"\n======== {label}: {dll}");
        await Harness.EmptyDatabaseAsync(Arg("--database-url"));
    }

    await using var api = await Harness.StartAsync(dll, Arg("--database-url"), Harness.FreePort(), env);
    var bench = new Bench(api, upstream, Arg("--pg-bin"), Arg("--pg-host"), int.Parse(Arg("--pg-port"), System.Globalization.CultureInfo.InvariantCulture), options);
    var results = await bench.RunAsync();
    if (label == "this build" && (options.Sections is null || options.Sections.Contains("data")))
    {
        results["data"] = await new DataBench(api, quick).RunAsync(Console.WriteLine);
    }

    all[label] = results;
    lost += results["replies_lost"]!.GetValue<long>();
}

// Kills need Redis (a survivor reads what the victim's clients saw) and only this build is measured: the baseline may
// predate takeovers, and a figure against itself says nothing.
if (Array.IndexOf(args, "--redis-url") >= 0 && (options.Sections is null || options.Sections.Contains("takeover")))
{
    Console.WriteLine("\n9. Instances killed under their runs (a victim and a survivor sharing PostgreSQL and Redis, separate processes; this build only)");
    var takeover = new TakeoverBench(Arg("--api-dll"), Arg("--database-url"), env, Arg("--redis-url"), rounds: quick ? 3 : 12, runsPerRound: 4);
    var (figures, runsLost) = await takeover.RunAsync(Console.WriteLine);
    all["this build"]!["takeover"] = figures;
    lost += runsLost;
}

var worse = builds.Count > 1 ? Comparison.Print(all["baseline"]!.AsObject(), all["this build"]!.AsObject(), Console.WriteLine) : [];
var output = Arg("--out", "bench-results.json");
await File.WriteAllTextAsync(output, (builds.Count > 1 ? all : all["this build"]!).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"\nResults written to {output}");
Console.WriteLine(lost == 0 ? "No reply lost." : $"BENCH FAILED: {lost} replies lost (target 0)");
return lost == 0 && worse.Count == 0 ? 0 : 1;
