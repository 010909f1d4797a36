using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatKit.Testing;

/// <summary>A request the fake received, and how its connection ended.</summary>
public sealed class RecordedRequest
{
    public required string Path { get; init; }

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required JsonNode Body { get; init; }

    public TaskCompletionSource<DateTime> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<(string Role, string Content)> Messages =>
        Body["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), ContentOf(m["content"]))).ToList();

    /// <summary>The names of the tools offered with the request (none when it must answer in words).</summary>
    public IReadOnlyList<string> ToolNames =>
        Body["tools"] is JsonArray tools ? tools.Select(t => t!["function"]!["name"]!.GetValue<string>()).ToList() : [];

    // A message's content is a string, null (an assistant message with tool calls) or a list of text parts.
    private static string ContentOf(JsonNode? content) => content switch
    {
        null => string.Empty,
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? string.Empty)),
        _ => content.GetValue<string>(),
    };

    public string LastUserText => Messages.Last(m => m.Role == "user").Content;

    /// <summary>The <c>image_url</c> URLs of every message's image parts, in order.</summary>
    public IReadOnlyList<string> ImageUrls =>
        Body["messages"]!.AsArray()
            .SelectMany(m => m!["content"] is JsonArray parts ? parts : [])
            .Where(p => p?["type"]?.GetValue<string>() == "image_url")
            .Select(p => p!["image_url"]!["url"]!.GetValue<string>())
            .ToList();

    /// <summary>What an upstream would charge in prompt tokens for the request's images (a fixed 765 each, a 1024×1024 image's).</summary>
    public int ImageTokens => ImageUrls.Count * FakeLlmServer.TokensPerImage;
}

/// <summary>
/// A real OpenAI-compatible chat-completions server on a loopback port, streaming <c>chat.completion.chunk</c>
/// SSE the way OpenRouter does: a <c>: OPENROUTER PROCESSING</c> comment, a role chunk, content chunks, a
/// finish chunk, a usage chunk and <c>data: [DONE]</c>. What it does is chosen by markers in the last user message:
/// <c>#fail503</c> (any status), <c>#cut3</c> (cut the connection after 3 chunks), <c>#stall</c> (send nothing
/// more until the caller hangs up), <c>#slow</c> (300 ms between chunks), <c>#garbage</c> (an unreadable chunk),
/// <c>#tokens=N</c> and <c>#gapms=G</c> (N one-word chunks G ms apart, for benchmarks), <c>#nofinish</c> (end cleanly
/// with neither a finish reason nor <c>[DONE]</c>, as a dying proxy does), <c>#finish=length</c> (any finish reason),
/// <c>#oddusage=cost|negative|huge|text|detail</c> (a usage chunk with a value out of range).
/// <c>#tool=NAME</c> answers a request offered tools with a call of that tool (arguments <c>{}</c>) and the request that
/// brings its result with text, timing the gap between the two (<see cref="ToolStepGapsMs"/>: the service's own time per step).
/// <see cref="ForcedMode"/> imposes one of those markers on every request (fault injection in the soak).
/// <see cref="Script"/> scripts whole agent turns: the n-th request whose last user message holds a script's marker
/// is answered by its n-th step (text, tool calls with or without provider quirks, any finish).
/// </summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    public static readonly string[] ReplyChunks = ["Sure", ", ", "here", " is", " a", " reply", " ✓", "."];

    public static string ReplyText => string.Concat(ReplyChunks);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, (ScriptStep[] Steps, int[] Served)> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _toolStepEnds = new(StringComparer.Ordinal);

    /// <summary>When the connection of a request marked <c>#watch=ID</c> closed (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public ConcurrentDictionary<string, long> WatchedClosedAt { get; } = new(StringComparer.Ordinal);

    /// <summary>For <c>#tool=</c> turns: ms from the end of the tool-call response to the arrival of the request with its result.</summary>
    public ConcurrentBag<double> ToolStepGapsMs { get; } = [];

    private FakeLlmServer(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyCollection<RecordedRequest> Requests => _requests;

    /// <summary>A marker such as <c>#fail503</c>, <c>#stall</c> or <c>#cut3</c> applied to every request; null for none.</summary>
    public string? ForcedMode { get; set; }

    /// <summary>Keep each request for inspection (tests); benchmarks turn it off.</summary>
    public bool RecordRequests { get; init; } = true;

    public static Task<FakeLlmServer> StartAsync() => StartAsync(recordRequests: true);

    public static async Task<FakeLlmServer> StartAsync(bool recordRequests, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxConcurrentConnections = null);
        var app = builder.Build();
        var server = new FakeLlmServer(app) { RecordRequests = recordRequests };
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        server.BaseUrl = new Uri(app.Urls.First() + "/v1/");
        return server;
    }

    /// <summary>Answers the requests whose last user message contains <paramref name="marker"/> with these steps, in order.</summary>
    public void Script(string marker, params ScriptStep[] steps) => _scripts[marker] = (steps, [0]);

    /// <summary>Every recorded request whose last user message contains <paramref name="marker"/>, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> RequestsWith(string marker) =>
        _requests.Where(r => r.LastUserText.Contains(marker, StringComparison.Ordinal)).ToList();

    /// <summary>The request whose last user message contains <paramref name="marker"/>, waiting for it briefly.</summary>
    public async Task<RecordedRequest> WaitForRequestAsync(string marker, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            var found = _requests.FirstOrDefault(r => r.LastUserText.Contains(marker, StringComparison.Ordinal));
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        throw new TimeoutException($"The fake upstream received no request containing {marker}.");
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false);
        var arrived = System.Diagnostics.Stopwatch.GetTimestamp();
        var recorded = new RecordedRequest
        {
            Path = context.Request.Path,
            Headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            Body = body!,
        };
        if (RecordRequests)
        {
            _requests.Enqueue(recorded);
        }

        context.RequestAborted.Register(() => recorded.Closed.TrySetResult(DateTime.UtcNow));
        if (System.Text.RegularExpressions.Regex.Match(recorded.LastUserText, "#watch=([0-9a-f]+)") is { Success: true } watched)
        {
            context.RequestAborted.Register(() => WatchedClosedAt.TryAdd(watched.Groups[1].Value, System.Diagnostics.Stopwatch.GetTimestamp()));
        }
        try
        {
            var lastUserText = recorded.LastUserText;
            if (System.Text.RegularExpressions.Regex.Match(lastUserText, "#tool=([a-z_]+)") is { Success: true } tool)
            {
                if (body!["messages"]!.AsArray()[^1]!["role"]!.GetValue<string>() != "tool" && body["tools"] is JsonArray)
                {
                    await RespondScriptedAsync(context, ScriptStep.ToolCalls(new ScriptedCall("call_" + Guid.NewGuid().ToString("N"), tool.Groups[1].Value, "{}")))
                        .ConfigureAwait(false);
                    _toolStepEnds[lastUserText] = System.Diagnostics.Stopwatch.GetTimestamp();
                    return;
                }

                if (_toolStepEnds.TryRemove(lastUserText, out var ended))
                {
                    ToolStepGapsMs.Add(System.Diagnostics.Stopwatch.GetElapsedTime(ended, arrived).TotalMilliseconds);
                }
            }

            if (NextScriptStep(lastUserText) is { } step)
            {
                await RespondScriptedAsync(context, step, recorded.ImageTokens).ConfigureAwait(false);
                return;
            }

            await RespondAsync(context, ForcedMode is { } forced ? recorded.LastUserText + " " + forced : recorded.LastUserText, recorded.ImageTokens)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The caller hung up.
        }
        finally
        {
            recorded.Closed.TrySetResult(DateTime.UtcNow);
        }
    }

    private ScriptStep? NextScriptStep(string text)
    {
        foreach (var (marker, (steps, served)) in _scripts)
        {
            if (text.Contains(marker, StringComparison.Ordinal))
            {
                var n = Interlocked.Increment(ref served[0]) - 1;
                return n < steps.Length ? steps[n] : ScriptStep.Text("(script ended)");
            }
        }

        return null;
    }

    private static async Task RespondScriptedAsync(HttpContext context, ScriptStep step, int imageTokens = 0)
    {
        var ct = context.RequestAborted;
        context.Response.ContentType = "text/event-stream";
        await WriteAsync(context, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null), ct).ConfigureAwait(false);
        foreach (var chunk in step.Chunks)
        {
            await Task.Delay(step.GapMs, ct).ConfigureAwait(false);
            await WriteAsync(context, Chunk(new JsonObject { ["content"] = chunk }, null), ct).ConfigureAwait(false);
        }

        for (var i = 0; i < step.Calls.Count; i++)
        {
            var call = step.Calls[i];
            var first = new JsonObject
            {
                ["id"] = call.Id,
                ["type"] = step.Quirk == ToolCallQuirk.EmptyType ? string.Empty : "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = string.Empty },
            };
            await WriteAsync(context, CallChunk(first, i, step.Quirk), ct).ConfigureAwait(false);

            // Arguments arrive in pieces, as real providers stream them.
            var args = call.Arguments;
            for (var at = 0; at < args.Length; at += 7)
            {
                var piece = new JsonObject { ["function"] = new JsonObject { ["arguments"] = args.Substring(at, Math.Min(7, args.Length - at)) } };
                await WriteAsync(context, CallChunk(piece, i, step.Quirk), ct).ConfigureAwait(false);
            }
        }

        if (step.StallAfterCalls)
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }

        if (step.Finish is null)
        {
            return; // a clean end with no finish reason and no [DONE]: a cut that looks like success
        }

        await WriteAsync(context, Chunk(new JsonObject(), step.Finish), ct).ConfigureAwait(false);
        await WriteAsync(context, Usage(3 * step.Chunks.Count + 5 * step.Calls.Count + 1, imageTokens: imageTokens), ct).ConfigureAwait(false);
        await WriteAsync(context, "data: [DONE]\n\n", ct).ConfigureAwait(false);
    }

    private static string CallChunk(JsonObject call, int index, ToolCallQuirk quirk)
    {
        var ordered = new JsonObject();
        if (quirk != ToolCallQuirk.OmitIndex)
        {
            ordered["index"] = quirk == ToolCallQuirk.RepeatIndex ? 0 : index;
        }

        foreach (var (key, value) in call.ToList())
        {
            call.Remove(key);
            ordered[key] = value;
        }

        return Chunk(new JsonObject { ["tool_calls"] = new JsonArray(ordered) }, null);
    }

    /// <summary>What the fake says a call cost, as OpenRouter's <c>usage.cost</c>: a micro-dollar per token.</summary>
    public static decimal CostOf(int totalTokens) => totalTokens * 0.000001m;

    /// <summary>The prompt tokens the fake reports for each image part, on top of its usual 42.</summary>
    public const int TokensPerImage = 765;

    private static string Usage(int completionTokens, string? odd = null, int imageTokens = 0)
    {
        var usage = new JsonObject
        {
            ["id"] = "gen-1",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_764_000_000,
            ["model"] = "fake/model",
            ["choices"] = new JsonArray(),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = 42 + imageTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = 42 + imageTokens + completionTokens,
                ["cost"] = CostOf(42 + imageTokens + completionTokens),
            },
        };
        var reported = usage["usage"]!.AsObject();
        switch (odd)
        {
            case "cost": reported["cost"] = 10_000_000; break;
            case "negative": reported["prompt_tokens"] = -5; break;
            case "huge": reported["completion_tokens"] = 30_000_000_000L; break;
            case "text": reported["total_tokens"] = "many"; break;
            case "detail": reported["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = -1 }; break;
        }

        return $"data: {usage.ToJsonString()}\n\n";
    }

    private static async Task RespondAsync(HttpContext context, string text, int imageTokens)
    {
        var ct = context.RequestAborted;
        var fail = System.Text.RegularExpressions.Regex.Match(text, "#fail(\\d{3})");
        if (fail.Success)
        {
            context.Response.StatusCode = int.Parse(fail.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            await context.Response.WriteAsJsonAsync(new { error = new { message = "upstream is sad", code = context.Response.StatusCode } }, ct)
                .ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await WriteAsync(context, ": OPENROUTER PROCESSING\n\n", ct).ConfigureAwait(false);
        await WriteAsync(context, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null), ct).ConfigureAwait(false);
        if (text.Contains("#stall", StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }

        var cut = System.Text.RegularExpressions.Regex.Match(text, "#cut(\\d+)");
        var gap = text.Contains("#slow", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMilliseconds(2);
        var chunks = ReplyChunks;
        if (Number(text, "#tokens=") is { } tokens)
        {
            chunks = Enumerable.Range(0, tokens).Select(i => i == 0 ? "w0" : " w" + i).ToArray();
            gap = TimeSpan.FromMilliseconds(Number(text, "#gapms=") ?? 0);
        }

        for (var i = 0; i < chunks.Length; i++)
        {
            if (cut.Success && i == int.Parse(cut.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            {
                // Let what was sent arrive before the reset, as a dying proxy would.
                await Task.Delay(100, ct).ConfigureAwait(false);
                context.Abort();
                return;
            }

            if (i == 2)
            {
                await WriteAsync(context, ": OPENROUTER PROCESSING\n\n", ct).ConfigureAwait(false);
            }

            if (i == 2 && text.Contains("#garbage", StringComparison.Ordinal))
            {
                await WriteAsync(context, "data: {\"id\":\"gen-1\",\"choices\":[{\"delta\":{\"content\":\n\n", ct).ConfigureAwait(false);
                return;
            }

            if (gap > TimeSpan.Zero)
            {
                await Task.Delay(gap, ct).ConfigureAwait(false);
            }

            await WriteAsync(context, Chunk(new JsonObject { ["content"] = chunks[i] }, null), ct).ConfigureAwait(false);
        }

        if (text.Contains("#nofinish", StringComparison.Ordinal))
        {
            return; // the connection closes cleanly mid-reply: no finish reason, no [DONE]
        }

        var finish = System.Text.RegularExpressions.Regex.Match(text, "#finish=([a-z_]+)");
        await WriteAsync(context, Chunk(new JsonObject(), finish.Success ? finish.Groups[1].Value : "stop"), ct).ConfigureAwait(false);
        var odd = System.Text.RegularExpressions.Regex.Match(text, "#oddusage=([a-z]+)");
        await WriteAsync(context, Usage(chunks.Length, odd.Success ? odd.Groups[1].Value : null, imageTokens), ct).ConfigureAwait(false);
        await WriteAsync(context, "data: [DONE]\n\n", ct).ConfigureAwait(false);
    }

    private static int? Number(string text, string marker)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, System.Text.RegularExpressions.Regex.Escape(marker) + "(\\d+)");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static string Chunk(JsonObject delta, string? finishReason)
    {
        var chunk = new JsonObject
        {
            ["id"] = "gen-1",
            ["provider"] = "Fake",
            ["model"] = "fake/model",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_764_000_000,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["delta"] = delta,
                ["finish_reason"] = finishReason,
                ["logprobs"] = null,
            }),
        };
        return $"data: {chunk.ToJsonString()}\n\n";
    }

    private static async Task WriteAsync(HttpContext context, string text, CancellationToken ct)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
