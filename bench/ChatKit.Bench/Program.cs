using System.Text.Json;
using ChatKit.Bench;
using ChatKit.Testing;

// Usage (build.sh passes these): bench|soak --api-dll PATH --database-url URL --pg-bin DIR --pg-host HOST --pg-port N
//   [--out FILE] [--quick] [--minutes M] [--redis-url URL] [--services SCRIPT]
var mode = args.Length > 0 ? args[0] : "bench";
string Arg(string name, string? fallback = null) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"{name} is required");
var quick = args.Contains("--quick");
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

await using var api = await Harness.StartAsync(Arg("--api-dll"), Arg("--database-url"), Harness.FreePort(), env);
var options = quick
    ? new BenchOptions([1, 16], 3, [16], 3, [200], 60, [100, 1000], [10, 1000], 60)
    : new BenchOptions([1, 16, 64], 5, [16, 64], 8, [1000, 5000, 10000], 240, [100, 1000, 10_000, 100_000], [10, 10_000], 300);
var bench = new Bench(api, upstream, Arg("--pg-bin"), Arg("--pg-host"), int.Parse(Arg("--pg-port"), System.Globalization.CultureInfo.InvariantCulture), options);
var results = await bench.RunAsync();
var output = Arg("--out", "bench-results.json");
await File.WriteAllTextAsync(output, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"\nResults written to {output}");
var lost = results["replies_lost"]!.GetValue<long>();
Console.WriteLine(lost == 0 ? "No reply lost." : $"BENCH FAILED: {lost} replies lost (target 0)");
return lost == 0 ? 0 : 1;
