using System.Globalization;
using System.Text.Json.Nodes;

namespace ChatKit.Bench;

/// <summary>
/// Two builds measured by the same harness in one session, side by side: every tracked figure, and this build's over the
/// baseline's. A figure worse by more than <see cref="Tolerance"/> is called out, and the run fails, so a change that
/// doubles the cost of a read cannot pass as "no change beyond noise" again.
/// </summary>
public static class Comparison
{
    /// <summary>How much worse a figure may be before it counts as a regression (two noisy cores: a quarter).</summary>
    public const double Tolerance = 0.25;

    /// <param name="Spreads">For a figure measured over rounds: each build's lowest..highest round. It counts as worse only when
    /// the two spreads do not overlap, since on two shared cores one build's rounds alone vary by 2× (docs/performance.md).</param>
    /// <param name="Informational">Printed, never failing: a figure the bench itself calls noisy.</param>
    private sealed record Figure(string Name, double? Baseline, double? Candidate, bool HigherIsBetter)
    {
        public (double? Low, double? High, double? CandidateLow, double? CandidateHigh)? Spreads { get; init; }

        public bool Informational { get; init; }
    }

    /// <summary>Prints the table; answers the names of the figures that got worse beyond the tolerance.</summary>
    public static List<string> Print(JsonObject baseline, JsonObject candidate, Action<string> line)
    {
        var figures = Figures(baseline, candidate).ToList();
        line("\nComparison: the same harness in one session, the baseline build first (ratio = this build / baseline)");
        line("   figure                                              |   baseline | this build |  ratio   (WORSE: beyond the tolerance, and for a figure over rounds, no round of this build as good as any of the baseline's)");
        var worse = new List<string>();
        foreach (var f in figures)
        {
            var ratio = f.Baseline is > 0 && f.Candidate is { } c ? c / f.Baseline.Value : (double?)null;
            var beyond = ratio is { } r && (f.HigherIsBetter ? r < 1 / (1 + Tolerance) : r > 1 + Tolerance);
            var apart = f.Spreads is not { } s || (f.HigherIsBetter ? s.CandidateHigh < s.Low : s.CandidateLow > s.High);
            var regressed = !f.Informational && beyond && apart;
            if (regressed)
            {
                worse.Add(f.Name);
            }

            line(string.Create(CultureInfo.InvariantCulture,
                $"   {f.Name,-52} | {Show(f.Baseline),10} | {Show(f.Candidate),10} | {(ratio is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–"),6}{(regressed ? "  WORSE" : string.Empty)}"));
        }

        line(worse.Count == 0
            ? $"\nNo figure is worse than the baseline by more than {Tolerance:P0}."
            : $"\nCOMPARE FAILED: {worse.Count} figures worse than the baseline by more than {Tolerance:P0}: {string.Join("; ", worse)}");
        return worse;
    }

    private static string Show(double? value) => value is { } v ? v.ToString(v >= 100 ? "0" : "0.00", CultureInfo.InvariantCulture) : "–";

    private static IEnumerable<Figure> Figures(JsonObject a, JsonObject b)
    {
        foreach (var (row, i) in Rows(a, "relay").Select((r, i) => (r, i)))
        {
            var other = Rows(b, "relay").ElementAtOrDefault(i);
            yield return new($"added TTFT p50, {row?["streams"]} streams (ms)", Value(row, "added_ttft_p50"), Value(other, "added_ttft_p50"), false)
            {
                Spreads = (Value(row, "added_ttft_p50_min"), Value(row, "added_ttft_p50_max"), Value(other, "added_ttft_p50_min"), Value(other, "added_ttft_p50_max")),
            };
            yield return new($"service CPU per reply, {row?["streams"]} streams (ms)", Value(row, "cpu_ms_per_reply"), Value(other, "cpu_ms_per_reply"), false);
            foreach (var (key, name) in new[] { ("added_ttft_native_create", "native threads.create"), ("added_ttft_native_add", "native threads.add_user_message") })
            {
                yield return new($"added TTFT p50 {name}, {row?["streams"]} streams (ms)", Value(row, key + "_p50"), Value(other, key + "_p50"), false)
                {
                    Spreads = (Value(row, key + "_p50_min"), Value(row, key + "_p50_max"), Value(other, key + "_p50_min"), Value(other, key + "_p50_max")),
                };
            }
        }

        yield return new("service CPU while idle (ms per second)", Value(a, "idle_cpu_ms_per_s"), Value(b, "idle_cpu_ms_per_s"), false) { Informational = true };
        foreach (var (row, i) in Rows(a, "reads").Select((r, i) => (r, i)))
        {
            var other = Rows(b, "reads").ElementAtOrDefault(i);
            yield return new($"{row?["request"]}, {row?["clients"]} clients (req/s)", Value(row, "api_rps"), Value(other, "api_rps"), true);
            yield return new($"{row?["request"]}, {row?["clients"]} clients (of pgbench)", Value(row, "ratio"), Value(other, "ratio"), true);
            yield return new($"{row?["request"]}, {row?["clients"]} clients (service CPU µs)", Value(row, "cpu_us_per_request"), Value(other, "cpu_us_per_request"), false);
        }

        foreach (var (row, i) in Rows(a, "open_streams").Select((r, i) => (r, i)))
        {
            yield return new($"memory per open stream at {row?["target"]} (KiB)", Value(row, "kib_per_stream"), Value(Rows(b, "open_streams").ElementAtOrDefault(i), "kib_per_stream"), false);
            yield return new($"  the YARP floor at {row?["target"]} (KiB)", Value(row, "yarp_kib_per_stream"), Value(Rows(b, "open_streams").ElementAtOrDefault(i), "yarp_kib_per_stream"), false)
            {
                Informational = true,
            };
        }

        yield return new("service time per tool step p50 (ms)", Value(a["tool_steps"], "step_p50_ms"), Value(b["tool_steps"], "step_p50_ms"), false);
        yield return new("resume to first replayed event p50 (ms)", Value(a["runs"], "resume_first_event_p50_ms"), Value(b["runs"], "resume_first_event_p50_ms"), false);
        yield return new("memory per finished run kept (KiB, noisy)", Value(a["runs"], "kib_per_kept_run"), Value(b["runs"], "kib_per_kept_run"), false)
        {
            Informational = true,
        };
        foreach (var (row, i) in Rows(a, "growth").Select((r, i) => (r, i)))
        {
            var other = Rows(b, "growth").ElementAtOrDefault(i);
            if (row?["messages"] is { } messages)
            {
                yield return new($"first page at {messages} messages p50 (ms)", Value(row, "page_p50"), Value(other, "page_p50"), false);
                yield return new($"run start at {messages} messages p50 (ms)", Value(row, "start_run_p50"), Value(other, "start_run_p50"), false);
            }
            else if (row?["sessions"] is { } sessions)
            {
                yield return new($"paged list at {sessions} sessions p50 (ms)", Value(row, "list_paged_p50"), Value(other, "list_paged_p50"), false);
            }
        }
    }

    private static IEnumerable<JsonNode?> Rows(JsonObject results, string key) => results[key] as JsonArray ?? [];

    private static double? Value(JsonNode? node, string key) =>
        node?[key] is JsonValue v && v.TryGetValue<double>(out var d) && !double.IsNaN(d) ? d : null;
}
