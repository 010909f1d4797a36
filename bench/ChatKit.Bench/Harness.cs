using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text;
using ChatKit.Api.Auth;
using ChatKit.Api.Options;
using Dapper;
using Npgsql;

namespace ChatKit.Bench;

/// <summary>What the bench and the soak share: the service as a child process, tokens, SQL seeding, stream reading.</summary>
public sealed class Harness : IAsyncDisposable
{
    public const string Secret = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

    private readonly ProcessStartInfo _start;
    private readonly string _log;
    private Process _api;

    private Harness(ProcessStartInfo start, string log, string baseUrl, string databaseUrl)
    {
        _start = start;
        _log = log;
        _api = Process.Start(start)!;
        BaseUrl = baseUrl;
        DatabaseUrl = databaseUrl;
        Client = NewClient();
    }

    public string BaseUrl { get; }

    public string DatabaseUrl { get; }

    public HttpClient Client { get; }

    public int ApiPid => _api.Id;

    public static async Task<Harness> StartAsync(string apiDll, string databaseUrl, int port, IDictionary<string, string> env)
    {
        // Straight to a file: a pipe the harness drains slowly would block the service's console writes.
        var log = Path.Combine(Environment.GetEnvironmentVariable("CHATKIT_BENCH_DIR") ?? Path.GetTempPath(), "api.log");
        var info = new ProcessStartInfo("bash", ["-c", "exec dotnet \"$0\" >> \"$1\" 2>&1", apiDll, log])
        {
            WorkingDirectory = Path.GetDirectoryName(apiDll)!,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["DATABASE_URL"] = databaseUrl;
        info.Environment["JWT_SECRET"] = Secret;
        info.Environment["LOG_LEVEL"] = Environment.GetEnvironmentVariable("CHATKIT_BENCH_LOG_LEVEL") ?? "Warning";
        info.Environment["MAX_SESSIONS_PER_USER"] = "0";
        info.Environment["MAX_MESSAGES_PER_SESSION"] = "10000000";
        info.Environment["RATE_LIMIT_PER_MINUTE"] = "0";
        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }

        var harness = new Harness(info, log, $"http://127.0.0.1:{port}", databaseUrl);
        await harness.WaitReadyAsync();
        return harness;
    }

    public bool HasExited => _api.HasExited;

    /// <summary>
    /// The service's log lines at Error or Fatal (compact JSON: <c>"@l":"Error"</c>), each as its message and the first line
    /// of its exception: an unhandled exception, or a failure the service could not explain as a fault it expects.
    /// </summary>
    public IReadOnlyList<string> ErrorLines() =>
        File.ReadLines(_log)
            .Where(l => l.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) || l.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal))
            .Select(Describe)
            .ToList();

    private static string Describe(string line)
    {
        try
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(line)!;
            var exception = json["@x"]?.GetValue<string>() is { } x ? " — " + x.Split('\n')[0].Trim() : string.Empty;
            return (json["@m"]?.GetValue<string>() ?? json["@mt"]?.GetValue<string>() ?? line) + exception;
        }
        catch (System.Text.Json.JsonException)
        {
            return line;
        }
    }

    /// <summary>The last line the service wrote (why it exited, when it did).</summary>
    public string LastLogLine() => File.ReadLines(_log).LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "no output";

    /// <summary>SIGKILLs the service (nothing of it ends cleanly) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        try
        {
            if (!_api.HasExited)
            {
                _api.Kill(entireProcessTree: true);
                await _api.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // It exited (and was reaped) between the check and the kill: gone is what was asked.
        }
    }

    /// <summary>Starts the service again, on the same port and database (stopping it first if it still runs).</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        _api.Dispose();
        _api = Process.Start(_start)!;
        await WaitReadyAsync();
    }

    private async Task WaitReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await Client.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not up yet
            }

            if (_api.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {_api.ExitCode}; see {_log}");
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The service did not become ready in 60 s.");
    }

    /// <summary>Drops everything the service stored, so the next build starts (and migrates) as on a new database.</summary>
    public static async Task EmptyDatabaseAsync(string databaseUrl)
    {
        await using var conn = new NpgsqlConnection(databaseUrl);
        await conn.ExecuteAsync("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    }

    public HttpClient NewClient(TimeSpan? timeout = null) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        MaxResponseDrainSize = 0,
        ResponseDrainTimeout = TimeSpan.Zero,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    })
    {
        BaseAddress = new Uri(BaseUrl),
        Timeout = timeout ?? TimeSpan.FromMinutes(5),
    };

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Tokens = new();

    /// <summary>One token per user, as a real client holds one: minting is not part of any measured request.</summary>
    public static string Token(string sub) =>
        Tokens.GetOrAdd(sub, s => JwtSetup.CreateToken(new JwtSettings { Secret = Secret }, s, TimeSpan.FromHours(6), TimeProvider.System));

    public static HttpRequestMessage Authorized(HttpMethod method, string path, string sub, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(sub));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    public static string RunBody(string text, bool background = false) =>
        JsonSerializer.Serialize(new { message = new { content = new[] { new { type = "input_text", text } } }, background });

    /// <summary>Sessions straight into the database (fast), with <paramref name="messagesEach"/> messages each.</summary>
    public async Task<List<Guid>> SeedSessionsAsync(string userId, int sessions, int messagesEach)
    {
        await using var conn = new NpgsqlConnection(DatabaseUrl);
        var ids = Enumerable.Range(0, sessions).Select(_ => Guid.CreateVersion7()).ToList();
        await conn.ExecuteAsync(
            """
            INSERT INTO sessions (id, user_id, title, auto_title, created_at, updated_at, message_count)
            SELECT id, @userId, 'Seeded', false, now(), now() + (ord * interval '1 microsecond'), @messagesEach
            FROM unnest(@ids::uuid[]) WITH ORDINALITY AS t(id, ord)
            """,
            new { userId, ids, messagesEach },
            commandTimeout: 600);
        if (messagesEach > 0)
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO messages (id, session_id, role, content, status, created_at)
                SELECT gen_random_uuid(), s.id, CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END,
                       '[{"type":"output_text","text":"a stored message of ordinary length, about sixty characters"}]'::jsonb,
                       'completed', now() - ((@messagesEach - g) * interval '1 millisecond')
                FROM unnest(@ids::uuid[]) AS s(id), generate_series(1, @messagesEach) AS g
                """,
                new { ids, messagesEach },
                commandTimeout: 600);
            await conn.ExecuteAsync("ANALYZE messages; ANALYZE sessions;", commandTimeout: 600);
        }

        return ids;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(DatabaseUrl);
        return await conn.ExecuteScalarAsync<long>(sql);
    }

    /// <summary>The service's CPU time so far, user and system, from <c>/proc</c> (clock ticks of 10 ms: read it over many requests).</summary>
    public double CpuMilliseconds()
    {
        var stat = File.ReadAllText($"/proc/{_api.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        const double MillisecondsPerTick = 10; // USER_HZ is 100 on Linux
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * MillisecondsPerTick;
    }

    public long ResidentBytes() => ResidentBytesOf(_api.Id);

    /// <summary>How long <paramref name="work"/> took, the service's resident bytes before it, and at their highest meanwhile (sampled <paramref name="every"/>).</summary>
    public async Task<(double Seconds, long Before, long Peak)> PeakResidentAsync(Func<Task> work, TimeSpan every)
    {
        var before = ResidentBytes();
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes());
                await Task.Delay(every);
            }
        });
        var started = Stopwatch.GetTimestamp();
        await work();
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        return (seconds, before, peak);
    }

    /// <summary>A process's resident memory, from <c>/proc</c>.</summary>
    public static long ResidentBytesOf(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await KillAsync();
        _api.Dispose();
    }
}

/// <summary>Timestamps of one stream's text deltas, read from SSE lines (ours or the upstream's).</summary>
public sealed class StreamTiming
{
    public double TimeToFirstMs { get; set; } = double.NaN;

    /// <summary>Time to the stream's first event of any kind (for the API: the stored user message).</summary>
    public double FirstEventMs { get; set; } = double.NaN;

    public List<double> GapsMs { get; } = [];

    public string? UserMessageId { get; set; }

    public bool SawDone { get; set; }

    public bool SawError { get; set; }

    /// <summary>The reader hung up (the token fired) before the stream ended.</summary>
    public bool Cancelled { get; set; }

    /// <summary>The run's id (<c>X-Run-Id</c>) and the id of the last event read, to resume from.</summary>
    public string? RunId { get; set; }

    public long LastEventId { get; set; }

    public static async Task<StreamTiming> ReadAsync(HttpResponseMessage response, long startedAt, bool upstreamFormat, CancellationToken ct)
    {
        var timing = new StreamTiming();
        try
        {
            await ReadLinesAsync(timing, response, startedAt, upstreamFormat, ct);
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            timing.Cancelled = true;
        }

        return timing;
    }

    private static async Task ReadLinesAsync(StreamTiming timing, HttpResponseMessage response, long startedAt, bool upstreamFormat, CancellationToken ct)
    {
        long? last = null;
        timing.RunId = response.Headers.TryGetValues("X-Run-Id", out var run) ? run.First() : null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                timing.LastEventId = long.Parse(line.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);
                continue;
            }

            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            if (double.IsNaN(timing.FirstEventMs))
            {
                timing.FirstEventMs = Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds;
            }

            if (line == "data: [DONE]")
            {
                timing.SawDone = true;
                break;
            }

            var isDelta = upstreamFormat
                ? line.Contains("\"content\":\"w", StringComparison.Ordinal) || line.Contains("\"content\":\" w", StringComparison.Ordinal)
                : line.Contains("text_delta", StringComparison.Ordinal);
            if (!upstreamFormat && timing.UserMessageId is null && line.Contains("\"user_message\"", StringComparison.Ordinal))
            {
                using var doc = JsonDocument.Parse(line.AsMemory(6));
                timing.UserMessageId = doc.RootElement.GetProperty("item").GetProperty("id").GetString();
            }

            if (!upstreamFormat && line.StartsWith("data: {\"type\":\"error\"", StringComparison.Ordinal))
            {
                timing.SawError = true;
            }

            if (!isDelta)
            {
                continue;
            }

            var now = Stopwatch.GetTimestamp();
            if (last is null)
            {
                timing.TimeToFirstMs = Stopwatch.GetElapsedTime(startedAt, now).TotalMilliseconds;
            }
            else
            {
                timing.GapsMs.Add(Stopwatch.GetElapsedTime(last.Value, now).TotalMilliseconds);
            }

            last = now;
        }
    }
}

public static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var rank = p / 100 * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
