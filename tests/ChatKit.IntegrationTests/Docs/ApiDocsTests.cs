using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Docs;

public sealed class ApiDocsTests
{
    [Test]
    public async Task OpenApi_DescribesEveryApiEndpointWithoutAToken_AndScalarServesIt()
    {
        using var anonymous = AssemblySetup.App.CreateClient();

        using var response = await anonymous.GetAsync("/openapi/v1.json");
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(document["openapi"]!.GetValue<string>(), Does.StartWith("3.1"));
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/api/v1/chatkit/sessions", "/api/v1/chatkit/sessions/{sessionId}", "/api/v1/chatkit/sessions/{sessionId}/threads",
            "/api/v1/chatkit/sessions/{sessionId}/threads/{threadId}/runs", "/api/v1/chatkit/sessions/{sessionId}/runs/{runId}/events",
            "/api/v1/chatkit/sessions/{sessionId}/runs/{runId}/cancel", "/api/v1/tasks", "/api/v1/tasks/{taskId}",
            "/api/v1/chatkit/usage", "/api/v1/chatkit", "/health/live", "/health/ready",
        }));

        using var docs = await anonymous.GetAsync("/docs");
        Assert.That(docs.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(docs.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
    }

    [Test]
    public async Task OpenApi_DescribesEnvelopesErrorCodesAndTheEventStream()
    {
        var document = JsonNode.Parse(await AssemblySetup.App.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();

        foreach (var (path, item) in paths)
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var responses = operation!["responses"]!.AsObject();
                var where = $"{method} {path}";
                Assert.That(operation["operationId"], Is.Not.Null, where);
                Assert.That(operation["summary"], Is.Not.Null, where);
                if (path.StartsWith("/health", StringComparison.Ordinal))
                {
                    continue;
                }

                // Every API operation: 401 with the bearer scheme, 429 with Retry-After, 500, each as the envelope with its codes.
                Assert.That(operation["security"]![0]!["bearer"], Is.Not.Null, where);
                foreach (var status in new[] { "401", "429", "500", "503" })
                {
                    var error = responses[status];
                    Assert.That(error, Is.Not.Null, $"{where} {status}");
                    var schema = error!["content"]!["application/json"]!["schema"]!;
                    Assert.That(schema["allOf"]![0]!["$ref"]!.GetValue<string>(), Is.EqualTo("#/components/schemas/ErrorEnvelope"), $"{where} {status}");
                    Assert.That(schema["allOf"]![1]!["properties"]!["error"]!["properties"]!["code"]!["enum"]!.AsArray(), Is.Not.Empty, $"{where} {status}");
                }

                Assert.That(responses["429"]!["headers"]!["Retry-After"], Is.Not.Null, where);
            }
        }

        string[] Codes(string path, string method, string status) =>
            paths[path]![method]!["responses"]![status]!["content"]!["application/json"]!["schema"]!["allOf"]![1]!["properties"]!["error"]!["properties"]!["code"]!["enum"]!
                .AsArray().Select(c => c!.GetValue<string>()).ToArray();
        var run = "/api/v1/chatkit/sessions/{sessionId}/threads/{threadId}/runs";
        Assert.That(Codes(run, "post", "400"), Is.EquivalentTo(new[] { "EMPTY_MESSAGE", "MESSAGE_TOO_LONG", "VALIDATION_ERROR" }));
        Assert.That(Codes(run, "post", "409"), Is.EquivalentTo(new[] { "RUN_IN_PROGRESS", "IDEMPOTENCY_KEY_IN_USE" }));
        Assert.That(Codes(run, "post", "422"), Is.EquivalentTo(new[] { "IDEMPOTENCY_KEY_REUSED" }));
        Assert.That(Codes(run, "post", "429"), Is.EquivalentTo(new[] { "MESSAGE_LIMIT", "RATE_LIMITED", "TOKEN_BUDGET_EXCEEDED" }));
        Assert.That(Codes(run, "post", "503"), Is.EquivalentTo(new[] { "DAILY_COST_LIMIT", "SERVICE_UNAVAILABLE" }));
        Assert.That(Codes("/api/v1/chatkit/sessions/{sessionId}/runs/{runId}/events", "get", "410"), Is.EquivalentTo(new[] { "RUN_EVENTS_TRUNCATED" }));
        Assert.That(Codes("/api/v1/tasks/{taskId}", "patch", "404"), Is.EquivalentTo(new[] { "TASK_NOT_FOUND" }));

        // The run streams ChatKit events; the native endpoint streams them too, or answers a bare object.
        var stream = paths[run]!["post"]!["responses"]!["200"]!["content"]!.AsObject();
        Assert.That(stream.Select(c => c.Key), Is.EqualTo(new[] { "text/event-stream" }));
        Assert.That(stream["text/event-stream"]!["schema"]!["items"]!["$ref"]!.GetValue<string>(), Is.EqualTo("#/components/schemas/ThreadStreamEvent"));
        Assert.That(paths["/api/v1/chatkit"]!["post"]!["responses"]!["200"]!["content"]!.AsObject().Select(c => c.Key),
            Is.EquivalentTo(new[] { "text/event-stream", "application/json" }));
        Assert.That(paths["/api/v1/chatkit"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>(),
            Is.EqualTo("#/components/schemas/ChatKitRequest"));
        var events = document["components"]!["schemas"]!["ThreadStreamEvent"]!["oneOf"]!.AsArray().Select(e => e!["$ref"]!.GetValue<string>().Split('/')[^1]);
        Assert.That(events, Is.SupersetOf(new[] { "ThreadItemAddedEvent", "ThreadItemUpdatedEvent", "ThreadItemDoneEvent", "ErrorEvent", "NoticeEvent" }));

        // Success bodies are the envelope around the API's own snake_case shapes.
        var created = paths["/api/v1/chatkit/sessions"]!["post"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        Assert.That(created["properties"]!["success"]!["enum"]![0]!.GetValue<bool>(), Is.True);
        var session = document["components"]!["schemas"]![created["properties"]!["data"]!["$ref"]!.GetValue<string>().Split('/')[^1]]!;
        Assert.That(session["properties"]!.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "id", "user_id", "title", "created_at", "message_count" }));
        Assert.That(paths["/api/v1/chatkit/sessions"]!["post"]!["requestBody"]!["content"]!.AsObject().Select(c => c.Key), Is.EqualTo(new[] { "application/json" }));
    }

    [Test]
    public async Task OpenApi_PassesRedoclyLint()
    {
        var json = await AssemblySetup.App.CreateClient().GetStringAsync("/openapi/v1.json");
        var file = Path.Combine(Path.GetTempPath(), $"chatkit-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            await ExternalTools.EnsureInstalledAsync();
            var lint = await ExternalTools.RunAsync(
                "npx",
                ["--no-install", "redocly", "lint", "--config", "redocly.yaml", file],
                ExternalTools.ToolsDirectory,
                TimeSpan.FromMinutes(2),
                new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" });

            Assert.That(lint.ExitCode, Is.Zero, lint.Output);
            Assert.That(lint.Output, Does.Contain("Your API description is valid"), lint.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task Readme_ErrorCodeTable_MatchesTheOpenApiDocument()
    {
        var document = JsonNode.Parse(await AssemblySetup.App.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        var shared = new HashSet<string> { "401 UNAUTHORIZED", "413 PAYLOAD_TOO_LARGE", "415 UNSUPPORTED_MEDIA_TYPE", "429 RATE_LIMITED", "500 INTERNAL_ERROR", "503 SERVICE_UNAVAILABLE" };
        var documented = new Dictionary<string, SortedSet<string>>();
        foreach (var (path, item) in document["paths"]!.AsObject().Where(p => p.Key.StartsWith("/api/", StringComparison.Ordinal) && !p.Key.StartsWith("/api/v1/dev", StringComparison.Ordinal)))
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var hasBody = operation!["requestBody"] is not null;
                var codes = operation["responses"]!.AsObject()
                    .Where(r => r.Key[0] is '4' or '5')
                    .SelectMany(r => r.Value!["content"]!["application/json"]!["schema"]!["allOf"]![1]!["properties"]!["error"]!["properties"]!["code"]!["enum"]!.AsArray()
                        .Select(c => $"{r.Key} {c!.GetValue<string>()}"))
                    .Where(c => !shared.Contains(c) && !(hasBody && c == "400 VALIDATION_ERROR"));
                documented[$"{method.ToUpperInvariant()} {path}"] = new SortedSet<string>(codes, StringComparer.Ordinal);
            }
        }

        var readme = await File.ReadAllLinesAsync(Path.Combine(ExternalTools.RepositoryRoot, "README.md"));
        var table = new Dictionary<string, SortedSet<string>>();
        foreach (var row in readme.Where(l => l.StartsWith("| `", StringComparison.Ordinal) && l.Contains(" /api/", StringComparison.Ordinal)))
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            var endpoint = System.Text.RegularExpressions.Regex.Match(cells[1], "`(?<m>[A-Z]+) (?<p>/api/[^`]+)`");
            if (!endpoint.Success)
            {
                continue;
            }

            var codes = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var group in cells[2].Split("; after")[0].Split('·', StringSplitOptions.TrimEntries))
            {
                var status = group[..3];
                foreach (System.Text.RegularExpressions.Match code in System.Text.RegularExpressions.Regex.Matches(group, "`([A-Z_]+)`"))
                {
                    codes.Add($"{status} {code.Groups[1].Value}");
                }
            }

            table[$"{endpoint.Groups["m"].Value} {endpoint.Groups["p"].Value}"] = codes;
        }

        Assert.That(table.Keys, Is.EquivalentTo(documented.Keys), "the README's table lists every API operation of the document");
        foreach (var (operation, codes) in documented)
        {
            Assert.That(table[operation], Is.EqualTo(codes), operation);
        }
    }

    [Test]
    public async Task ConfigurationTables_InTheReadmeAndOperations_ListEveryVariableTheServiceReads()
    {
        foreach (var (file, until) in new[] { ("README.md", "## Deploying"), ("docs/operations.md", "## Running several instances") })
        {
            var text = await File.ReadAllTextAsync(Path.Combine(ExternalTools.RepositoryRoot, file));
            var table = text[text.IndexOf("## Configuration", StringComparison.Ordinal)..text.IndexOf(until, StringComparison.Ordinal)];

            var missing = ConfigurationVariables.ReadByTheService.Where(name => !table.Contains($"`{name}`", StringComparison.Ordinal)).ToList();

            Assert.That(missing, Is.Empty, file);
        }

        Assert.That(ConfigurationVariables.ReadByTheService, Does.Contain("RATE_LIMIT_PER_MINUTE").And.Contain("PLAYGROUND_ENABLED"));
    }

    [Test]
    public async Task ApiDocs_CanBeTurnedOff()
    {
        await using var app = ChatKitFactory.Create(null, ("API_DOCS_ENABLED", "false"));
        using var anonymous = app.CreateClient();

        Assert.That((await anonymous.GetAsync("/openapi/v1.json")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await anonymous.GetAsync("/docs")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
