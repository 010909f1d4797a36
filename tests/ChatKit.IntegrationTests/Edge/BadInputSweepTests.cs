using System.Text;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Edge;

/// <summary>
/// Hundreds of generated malformed requests across every endpoint: broken JSON, wrong types, huge strings,
/// odd Unicode and bytes, path junk, duplicate headers, odd methods. None may answer 5xx, every answer with a
/// body is the envelope, and nothing is stored that should not be.
/// </summary>
public sealed class BadInputSweepTests
{
    private static readonly string[] BrokenJson =
    [
        "{", "}", "[", "]", "{\"message\":", "{\"message\":{\"content\":[{\"text\":\"a\"}]}", "{\"message\":{}}}", "{}{}", "{'message':{}}",
        "{message:{content:[]}}", "// comment\n{}", "{\"message\":{\"content\":[{\"text\":\"a\"}],}}", "NaN", "undefined", "\"\\x41\"",
        "{\"message\":{\"content\":[{\"text\":\"\\ud800\"}]}}", "{\"message\":{\"content\":[{\"text\":\"a\u0001b\"}]}}",
        string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200)),
        "{\"message\":" + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 101),
        "\uFEFF{\"message\":{}}", "{\"message\":{\"content\":[{\"text\":1e999999}]}}", "nul", "tru", "-", "0x10", "\"unterminated",
        "{\"title\":\"" + new string('t', 300) + "\"}", "{\"title\":[\"a\"]}", "{\"title\":{\"x\":1}}", "{\"title\":true}",
    ];

    private static readonly string[] WrongShapes =
    [
        "null", "true", "1", "\"text\"", "[]", "[{}]", "{}",
        "{\"message\":1}", "{\"message\":\"hi\"}", "{\"message\":[]}", "{\"message\":true}", "{\"message\":null}",
        "{\"message\":{\"content\":{}}}", "{\"message\":{\"content\":1}}", "{\"message\":{\"content\":\"hi\"}}", "{\"message\":{\"content\":null}}",
        "{\"message\":{\"content\":[\"hi\"]}}", "{\"message\":{\"content\":[1]}}", "{\"message\":{\"content\":[[]]}}", "{\"message\":{\"content\":[true]}}",
        "{\"message\":{\"content\":[{\"text\":1}]}}", "{\"message\":{\"content\":[{\"text\":{}}]}}", "{\"message\":{\"content\":[{\"text\":[]}]}}",
        "{\"message\":{\"content\":[{\"text\":false}]}}", "{\"message\":{\"content\":[{\"text\":null}]}}", "{\"message\":{\"content\":[{}]}}",
        "{\"message\":{\"role\":1,\"content\":[{\"text\":\"hi\"}]}}", "{\"message\":{\"role\":\"system\",\"content\":[{\"text\":\"hi\"}]}}",
        "{\"message\":{\"role\":\"tool\",\"content\":[{\"text\":\"hi\"}]}}", "{\"message\":{\"content\":[{\"type\":5,\"text\":\"hi\"}]}}",
        "{\"message\":{\"content\":[{\"type\":\"output_text\",\"text\":\"hi\"}]}}", "{\"message\":{\"content\":[{\"text\":\"\"}]}}",
        "{\"message\":{\"content\":[{\"text\":\"   \"}]}}", "{\"message\":{\"content\":[{\"text\":\"\\n\\t\\r \"}]}}",
        "{\"message\":{\"content\":[{\"text\":\"" + new string('x', 501) + "\"}]}}",
        "{\"message\":{\"content\":[{\"text\":\"" + new string('x', 60_000) + "\"}]}}",
        "{\"message\":{\"content\":[{\"text\":\"" + string.Concat(Enumerable.Repeat("😀", 501)) + "\"}]}}",
        "{\"message\":{\"content\":[{\"text\":\"" + string.Concat(Enumerable.Repeat("e\u0301", 300)) + "\"}]}}",

        // Characters PostgreSQL cannot store: NUL and unpaired surrogates, in every text field a client sends.
        "{\"message\":{\"content\":[{\"text\":\"a\\u0000b\"}]}}", "{\"message\":{\"content\":[{\"text\":\"\\u0000\"}]}}",
        "{\"message\":{\"content\":[{\"text\":\"ok\"},{\"text\":\"\\u0000\"}]}}", "{\"message\":{\"content\":[{\"text\":\"\\udc00x\"}]}}",
        "{\"title\":\"a\\u0000b\"}", "{\"title\":\"\\ud800\"}", "{\"title\":\"x\\udfffy\"}",

        // Found by the hardening run: text of only invisible characters counted as a message.
        "{\"message\":{\"content\":[{\"text\":\"\\u200b\\u200b\"}]}}", "{\"message\":{\"content\":[{\"text\":\"\\ufeff\\u2060 \\u200d\"}]}}",
    ];

    private static readonly string[] BadTasks =
    [
        "{\"title\":\"a\\u0000\"}", "{\"title\":\"ok\",\"description\":\"\\u0000\"}", "{\"title\":\"ok\",\"tags\":[\"\\u0000\"]}",
        "{\"title\":\"\\udc00\"}", "{\"title\":\"ok\",\"priority\":\"urgent\"}", "{\"title\":\"ok\",\"tags\":\"x\"}", "{\"title\":\"ok\",\"tags\":[1]}",
        "{\"title\":\"ok\",\"tags\":[" + string.Join(',', Enumerable.Range(0, 11).Select(i => $"\"t{i}\"")) + "]}", "{\"title\":\"ok\",\"tags\":[\" \"]}",
        "{\"title\":\"ok\",\"tags\":[\"" + new string('t', 51) + "\"]}", "{\"title\":\"" + new string('t', 201) + "\"}", "{\"title\":\"ok\",\"description\":\"" + new string('d', 1001) + "\"}",
        "{\"completed\":\"yes\"}", "{\"title\":1}", "{\"title\":\"   \"}", "{\"priority\":\"low\"}", "{\"title\":null}",
    ];

    private static readonly string[] JunkIds =
    [
        "x", "0", "-1", "null", "undefined", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "'%3B%20DROP%20TABLE%20sessions%3B--", "%3Cscript%3E", "%E2%80%AE", "%F0%9F%98%80", "%FF%FE", new string('a', 2000),
        "12345678-1234-1234-1234-1234567890123", "{id}", "%20", "..%2F..%2Fetc%2Fpasswd", "%25", "~", "a%2Fb",
    ];

    private static readonly string[] JunkQueries =
    [
        "?limit=-1", "?limit=0", "?limit=201", "?limit=99999999999", "?limit=abc", "?limit=1.5", "?limit=", "?after=garbage",
        "?after=" + new string('A', 500), "?limit=5&limit=6", "?after=MTox", "?limit=%F0%9F%98%80",
    ];

    private static readonly string[] OddMethods = ["PATCH", "PUT", "TRACE", "OPTIONS", "HEAD", "PROPFIND", "FOO"];

    [Test]
    public async Task Sweep_OfMalformedRequests_NeverAnswers5xxAlwaysEnvelopeStoresNothing()
    {
        var app = AssemblySetup.App;
        var sub = ChatKitFactory.NewUser();
        using var client = app.ClientFor(sub);
        var id = await client.CreateSessionAsync();
        var task = await (await client.PostJsonAsync(Tasks, "{\"title\":\"the real task\"}")).JsonAsync();
        var taskId = task["data"]!["id"]!.GetValue<string>();
        var requests = Generate(id, taskId, app.TokenFor(sub)).ToList();
        var failures = new List<string>();
        var createdBySweep = 0;

        foreach (var (label, request) in requests)
        {
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (status >= 500 || status == 422)
            {
                failures.Add($"{label}: {status} {Cut(body)}");
                continue;
            }

            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == ChatApi.Sessions && status == 200)
            {
                createdBySweep++;
            }

            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == Tasks && status == 200)
            {
                failures.Add($"{label}: stored a task");
            }

            if (request.Method != HttpMethod.Head && !IsEnvelope(body, status))
            {
                failures.Add($"{label}: {status} not an envelope: {Cut(body)}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join('\n', failures.Take(30)));
        Assert.That(requests, Has.Count.GreaterThanOrEqualTo(500));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = @sub", new { sub }), Is.EqualTo(1 + createdBySweep));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.user_id = @sub", new { sub }), Is.Zero);
        Assert.That((await client.GetAsync($"{ChatApi.Sessions}/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the real session survived");
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM tasks WHERE user_id = @sub", new { sub }), Is.EqualTo(1));
        var kept = (await (await client.GetAsync($"{Tasks}/{taskId}")).JsonAsync())["data"]!;
        Assert.That(kept["title"]!.GetValue<string>(), Is.EqualTo("the real task"), "no malformed patch changed it");
        await TestContext.Out.WriteLineAsync($"{requests.Count} malformed requests, {createdBySweep} of them created a session (valid JSON whose unknown keys are ignored, or null)");
    }

    private const string Tasks = "/api/v1/tasks";

    private static IEnumerable<(string Label, HttpRequestMessage Request)> Generate(string id, string taskId, string token)
    {
        var bodyPaths = new[] { ChatApi.Sessions, $"{ChatApi.Sessions}/{id}/threads", ChatApi.RunsOf(id), Tasks };
        foreach (var path in bodyPaths)
        {
            foreach (var json in BrokenJson.Concat(WrongShapes))
            {
                yield return ($"POST {Cut(path)} {Cut(json)}", Json(HttpMethod.Post, path, json));
            }

            // Bytes that are not UTF-8, and JSON sent under other content types.
            yield return ($"POST {path} invalid utf-8", Raw(HttpMethod.Post, path, [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D], "application/json"));
            yield return ($"POST {path} utf-16", Raw(HttpMethod.Post, path, Encoding.Unicode.GetBytes("{\"message\":{}}"), "application/json"));
            foreach (var type in new[] { "text/plain", "application/xml", "multipart/form-data", "application/json; charset=utf-16", "*/*", "json", "" })
            {
                yield return ($"POST {path} as {type}", Raw(HttpMethod.Post, path, "{\"message\":{\"content\":[{\"text\":\"hi\"}]}}"u8.ToArray(), type));
            }

            var duplicateType = Json(HttpMethod.Post, path, "{\"message\":{\"content\":[{\"text\":\"\"}]}}");
            duplicateType.Content!.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
            yield return ($"POST {path} two content types", duplicateType);
            var duplicateAuth = Json(HttpMethod.Post, path, "{");
            duplicateAuth.Headers.TryAddWithoutValidation("Authorization", ["Bearer " + token, "Bearer junk"]);
            yield return ($"POST {path} two authorizations", duplicateAuth);
        }

        foreach (var json in BadTasks.Concat(BrokenJson))
        {
            yield return ($"POST tasks {Cut(json)}", Json(HttpMethod.Post, Tasks, json));
            yield return ($"PATCH task {Cut(json)}", Json(HttpMethod.Patch, $"{Tasks}/{taskId}", json));
        }

        foreach (var junk in JunkIds)
        {
            yield return ($"GET task {Cut(junk)}", new HttpRequestMessage(HttpMethod.Get, $"{Tasks}/{junk}"));
            yield return ($"PATCH task {Cut(junk)}", Json(HttpMethod.Patch, $"{Tasks}/{junk}", "{\"completed\":true}"));
            yield return ($"DELETE task {Cut(junk)}", new HttpRequestMessage(HttpMethod.Delete, $"{Tasks}/{junk}"));
        }

        foreach (var query in JunkQueries.Concat(["?status=done", "?priority=urgent", "?q=" + new string('q', 300), "?status=%00", "?q=%00", "?tag=%00"]))
        {
            yield return ($"GET tasks{query}", new HttpRequestMessage(HttpMethod.Get, Tasks + query));
        }

        foreach (var junk in JunkIds)
        {
            foreach (var path in new[]
            {
                $"{ChatApi.Sessions}/{junk}", $"{ChatApi.Sessions}/{junk}/threads", $"{ChatApi.Sessions}/{junk}/threads/{junk}/runs",
                $"{ChatApi.Sessions}/{id}/threads/{junk}/runs",
            })
            {
                var isRun = path.EndsWith("/runs", StringComparison.Ordinal);
                var method = path.EndsWith("/threads", StringComparison.Ordinal) || isRun ? HttpMethod.Post : HttpMethod.Get;
                yield return ($"{method} {Cut(path)}", Json(method, path, isRun ? "{\"message\":{\"content\":[{\"text\":\"" + new string('z', 600) + "\"}]}}" : "{}"));
                yield return ($"DELETE {Cut(path)}", new HttpRequestMessage(HttpMethod.Delete, path));
            }
        }

        // Resume ids out of range (the hardening run found long.MaxValue answered 410 through an overflow).
        foreach (var lastEventId in new[] { "9223372036854775807", "9223372036854775808", "-1", "1e3", " 5", "0x10", "５" })
        {
            var resume = new HttpRequestMessage(HttpMethod.Get, $"{ChatApi.Sessions}/{id}/runs/{Guid.NewGuid()}/events");
            resume.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            yield return ($"GET events Last-Event-ID {lastEventId}", resume);
        }

        foreach (var query in JunkQueries)
        {
            yield return ($"GET sessions{query}", new HttpRequestMessage(HttpMethod.Get, ChatApi.Sessions + query));
            yield return ($"GET session{query}", new HttpRequestMessage(HttpMethod.Get, $"{ChatApi.Sessions}/{id}{query}"));
        }

        foreach (var method in OddMethods)
        {
            foreach (var path in new[] { ChatApi.Sessions, $"{ChatApi.Sessions}/{id}", $"{ChatApi.Sessions}/{id}/threads", ChatApi.RunsOf(id), "/api/v1/chatkit", "/" })
            {
                yield return ($"{method} {path}", new HttpRequestMessage(new HttpMethod(method), path));
            }
        }

        foreach (var authorization in new[] { "Basic YWxpY2U6cHc=", "Bearer", "Bearer ", "Token abc", "Bearer a.b", "Bearer " + new string('x', 8000), "Bearer 😀", "Digest x" })
        {
            foreach (var (method, path) in new[]
            {
                (HttpMethod.Post, ChatApi.Sessions), (HttpMethod.Get, ChatApi.Sessions), (HttpMethod.Get, $"{ChatApi.Sessions}/{id}"),
                (HttpMethod.Delete, $"{ChatApi.Sessions}/{id}"), (HttpMethod.Post, $"{ChatApi.Sessions}/{id}/threads"), (HttpMethod.Post, ChatApi.RunsOf(id)),
            })
            {
                var request = Json(method, path, "{\"message\":{\"content\":[{\"text\":\"hi\"}]}}");
                if (method == HttpMethod.Get || method == HttpMethod.Delete)
                {
                    request.Content = null;
                }

                request.Headers.TryAddWithoutValidation("Authorization", authorization);
                yield return ($"{method} {Cut(path)} with Authorization {Cut(authorization)}", request);
            }
        }

        foreach (var path in new[] { "/api/v1/chatkit/sessions/", "/api/v1/chatkit/sessions//threads", "/api/v2/chatkit/sessions", "/API/V1/CHATKIT/SESSIONS/x", "/%2e%2e/%2e%2e/", "/health/../api/v1/chatkit/sessions/x" })
        {
            yield return ($"DELETE {path}", new HttpRequestMessage(HttpMethod.Delete, path));
        }
    }

    private static HttpRequestMessage Json(HttpMethod method, string path, string json) =>
        new(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpRequestMessage Raw(HttpMethod method, string path, byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return new HttpRequestMessage(method, path) { Content = content };
    }

    private static bool IsEnvelope(string body, int status)
    {
        if (body.Length == 0)
        {
            return status is 204;
        }

        try
        {
            var json = JsonNode.Parse(body)!.AsObject();
            if (status < 400)
            {
                return json["success"]?.GetValue<bool>() == true && json.ContainsKey("data");
            }

            return json["success"]?.GetValue<bool>() == false
                && json["error"]?["code"]?.GetValue<string>() is { Length: > 0 } code && code == code.ToUpperInvariant()
                && json["error"]?["message"]?.GetValue<string>() is { Length: > 0 }
                && !json.ContainsKey("type") && !json.ContainsKey("title");
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static string Cut(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
