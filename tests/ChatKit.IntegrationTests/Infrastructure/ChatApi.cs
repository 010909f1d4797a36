using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>A parsed streamed run: every <c>data:</c> payload in order, the comments, and the events as JSON.</summary>
public sealed record SseStream(HttpStatusCode Status, string? ContentType, IReadOnlyList<string> Data, IReadOnlyList<string> Comments)
{
    /// <summary>The <c>id:</c> of each <c>data:</c> line, in order (0 where a data line came without one).</summary>
    public IReadOnlyList<long> Ids { get; init; } = [];

    public string? RunId { get; init; }

    public IReadOnlyList<JsonNode> Events => Data.Where(d => d != "[DONE]").Select(d => JsonNode.Parse(d)!).ToList();

    public IReadOnlyList<string> Types => Events.Select(e => e["type"]!.GetValue<string>()).ToList();

    public string DeltaText => string.Concat(Events
        .Where(e => e["update"]?["type"]?.GetValue<string>() == "assistant_message.content_part.text_delta")
        .Select(e => e["update"]!["delta"]!.GetValue<string>()));
}

public static class ChatApi
{
    public const string Sessions = "/api/v1/chatkit/sessions";

    public static string RunsOf(string sessionId, string? threadId = null) => $"{Sessions}/{sessionId}/threads/{threadId ?? sessionId}/runs";

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    /// <summary>The session's messages, oldest first, as <c>GET /sessions/{id}</c> returns them.</summary>
    public static async Task<JsonArray> MessagesAsync(this HttpClient client, string sessionId) =>
        (await (await client.GetAsync($"{Sessions}/{sessionId}")).JsonAsync())["data"]!["messages"]!.AsArray();

    /// <summary>Waits until the session holds <paramref name="count"/> messages (a reply cut by a hang-up is stored in the background).</summary>
    public static async Task<JsonArray> WaitForMessagesAsync(this HttpClient client, string sessionId, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var messages = await client.MessagesAsync(sessionId);
            if (messages.Count >= count || DateTime.UtcNow > deadline)
            {
                return messages;
            }

            await Task.Delay(50);
        }
    }

    public static async Task<string> CreateSessionAsync(this HttpClient client)
    {
        var response = await client.PostAsync(Sessions, null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync())["data"]!["id"]!.GetValue<string>();
    }

    public static object MessageBody(string text, bool background = false) =>
        new { message = new { role = "user", content = new[] { new { type = "input_text", text } } }, background };

    /// <summary>Starts a run and returns the response as soon as its headers arrive.</summary>
    public static Task<HttpResponseMessage> SendRunAsync(this HttpClient client, string sessionId, string text, bool background) =>
        client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, RunsOf(sessionId)) { Content = JsonContent.Create(MessageBody(text, background)) },
            HttpCompletionOption.ResponseHeadersRead);

    /// <summary>Reattaches to a run after event <paramref name="lastEventId"/> (none: from the start).</summary>
    public static async Task<HttpResponseMessage> ResumeAsync(this HttpClient client, string sessionId, string runId, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{Sessions}/{sessionId}/runs/{runId}/events");
        if (lastEventId is { } last)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Sends one raw JSON-RPC body to <c>/mcp</c> as an MCP client would (accepting JSON or an event stream).</summary>
    public static async Task<HttpResponseMessage> PostMcpAsync(this HttpClient client, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> SendRunAsync(this HttpClient client, string sessionId, string text, string? threadId = null) =>
        client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, RunsOf(sessionId, threadId)) { Content = JsonContent.Create(MessageBody(text)) },
            HttpCompletionOption.ResponseHeadersRead);

    /// <summary>Sends a message and reads the whole stream.</summary>
    public static async Task<SseStream> RunAsync(this HttpClient client, string sessionId, string text)
    {
        using var response = await client.SendRunAsync(sessionId, text);
        return await ReadStreamAsync(response);
    }

    public static async Task<SseStream> ReadStreamAsync(HttpResponseMessage response)
    {
        var data = new List<string>();
        var comments = new List<string>();
        var ids = new List<long>();
        long? id = null;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line["id: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line["data: ".Length..]);
                ids.Add(id ?? 0);
                id = null;
            }
            else if (line.StartsWith(':'))
            {
                comments.Add(line);
            }
        }

        if (Environment.GetEnvironmentVariable("CHATKIT_TEST_EVENTS_DUMP") is { Length: > 0 } dump)
        {
            // For checking the events against the reference ChatKit types by hand (docs/streaming.md says how).
            await File.AppendAllLinesAsync(dump, data);
        }

        return new SseStream(response.StatusCode, response.Content.Headers.ContentType?.MediaType, data, comments)
        {
            Ids = ids,
            RunId = response.Headers.TryGetValues("X-Run-Id", out var run) ? run.Single() : null,
        };
    }

    /// <summary>Asserts an error envelope with the given status and code, and returns its error object.</summary>
    public static async Task<JsonNode> AssertErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), text);
        var json = JsonNode.Parse(text)!;
        Assert.That(json["success"]!.GetValue<bool>(), Is.False, text);
        Assert.That(json["error"]!["code"]!.GetValue<string>(), Is.EqualTo(code), text);
        Assert.That(json["error"]!["message"]!.GetValue<string>(), Is.Not.Empty, text);
        return json["error"]!;
    }
}
