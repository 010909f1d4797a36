using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>
/// Requests of the native ChatKit protocol as a ChatKit client sends them, and the checks every answer must pass:
/// a stream is <c>text/event-stream</c> without <c>[DONE]</c>; an object is bare JSON (no envelope, no nulls).
/// </summary>
public static class NativeApi
{
    public const string Endpoint = "/api/v1/chatkit";

    public static string Marker() => "#script-" + Guid.NewGuid().ToString("N");

    public static string Body(string type, object? parameters = null) =>
        new JsonObject { ["type"] = type, ["params"] = parameters is null ? new JsonObject() : JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(parameters)) }
            .ToJsonString();

    public static object Input(string text) => new { content = new[] { new { type = "input_text", text } }, attachments = Array.Empty<string>(), inference_options = new { } };

    public static async Task<SseStream> StreamAsync(HttpClient client, string type, object parameters)
    {
        using var response = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new StringContent(Body(type, parameters), System.Text.Encoding.UTF8, "application/json") },
            HttpCompletionOption.ResponseHeadersRead);
        var stream = await ChatApi.ReadStreamAsync(response);
        Assert.That(stream.Status, Is.EqualTo(HttpStatusCode.OK), string.Join('\n', stream.Data));
        Assert.That(stream.ContentType, Is.EqualTo("text/event-stream"));
        Assert.That(stream.Data, Does.Not.Contain("[DONE]"), "the native framing has no terminator");
        return stream;
    }

    public static async Task<JsonNode> CallAsync(HttpClient client, string type, object? parameters = null)
    {
        using var response = await client.PostJsonAsync(Endpoint, Body(type, parameters));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        var json = JsonNode.Parse(text)!;
        if (Environment.GetEnvironmentVariable("CHATKIT_TEST_EVENTS_DUMP") is { Length: > 0 } dump)
        {
            // For checking against the reference types by hand, as the stream events are (docs/chatkit.md).
            await File.AppendAllLinesAsync(dump + ".objects", [type + "\t" + text]);
        }

        Assert.That(json.AsObject().ContainsKey("success"), Is.False, "a bare ChatKit object, no envelope");
        Assert.That(text, Does.Not.Contain(":null"), "no nulls");
        return json;
    }
}
