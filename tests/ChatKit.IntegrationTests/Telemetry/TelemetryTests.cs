using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Serilog.Core;
using Serilog.Events;

namespace ChatKit.IntegrationTests.Telemetry;

public sealed class TelemetryTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Test]
    public async Task Metrics_AnswerOnTheMetricsPortOnly_InPrometheusText()
    {
        var port = FreePort();
        await using var app = ChatKitFactory.Create(Upstream, ("METRICS_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        await client.RunAsync(id, "count me");
        await Attachments.AttachmentFiles.CreateUploadedAsync(app, client, "a.png", Attachments.AttachmentFiles.TinyPng, "image/png");

        using var scraper = new HttpClient();
        string[] expected = ["chatkit_runs_total", "chatkit_run_time_to_first_token", "chatkit_runs_active", "gen_ai_client_operation_duration", "gen_ai_client_token_usage", "http_server_request_duration", "chatkit_attachment_uploads_total"];
        var text = string.Empty;
        for (var attempt = 0; attempt < 50 && !expected.All(e => text.Contains(e, StringComparison.Ordinal)); attempt++)
        {
            await Task.Delay(100);
            text = await scraper.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        }

        Assert.That(text, Does.Contain("chatkit_runs_total"));
        Assert.That(text, Does.Contain("chatkit_run_time_to_first_token"));
        Assert.That(text, Does.Contain("chatkit_runs_active"));
        Assert.That(text, Does.Contain("gen_ai_client_operation_duration"), "the GenAI conventions, named as Microsoft.Extensions.AI names them");
        Assert.That(text, Does.Contain("gen_ai_client_token_usage"));
        Assert.That(text, Does.Contain("gen_ai_token_type=\"output\""));
        Assert.That(text, Does.Contain("http_server_request_duration"));
        Assert.That(text, Does.Match("chatkit_attachment_uploads_total\\{[^}]*outcome=\"stored\"\\} 1"));
        Assert.That(text, Does.Match($"chatkit_attachment_bytes_stored_bytes_total(\\{{[^}}]*\\}})? {Attachments.AttachmentFiles.TinyPng.Length}"));
        using var publicPort = await client.GetAsync("/metrics");
        Assert.That(publicPort.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "never on the public port");
    }

    [Test]
    public async Task NoMessageTextToolArgumentOrTokenReachesALogOrASpan()
    {
        var spans = new List<Activity>();
        var logs = new CapturingSink();
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(Upstream, ("LOG_LEVEL", "Debug")))
        {
            TestServices = services =>
            {
                services.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(spans));
                services.AddSingleton<ILogEventSink>(logs);
            },
        };
        var user = ChatKitFactory.NewUser();
        var token = app.TokenFor(user);
        using var client = app.ClientFor(user);
        var id = await client.CreateSessionAsync();
        var marker = "#script-" + Guid.NewGuid().ToString("N");
        var secret = "USER-SECRET-" + Guid.NewGuid().ToString("N");
        var argument = "ARG-SECRET-" + Guid.NewGuid().ToString("N");
        var reply = "REPLY-SECRET-" + Guid.NewGuid().ToString("N");
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("s1", "add_task", $$"""{"title":"{{argument}}"}""")), ScriptStep.Text(reply));

        var stream = await client.RunAsync(id, $"{secret} {marker}");
        Assert.That(stream.DeltaText, Is.EqualTo(reply));

        // A file: its contents, and the signature of the link it is served through, stay out of logs and spans too.
        var contents = "FILE-SECRET-" + Guid.NewGuid().ToString("N");
        var file = await Attachments.AttachmentFiles.CreateUploadedAsync(app, client, "notes.txt", System.Text.Encoding.UTF8.GetBytes(contents), "text/plain");
        var created = await Attachments.AttachmentFiles.CreateAsync(client, "board.png", Attachments.AttachmentFiles.TinyPng.Length, "image/png");
        var link = Attachments.AttachmentFiles.PathOf(created["preview_url"]);
        var signature = link[(link.IndexOf("signature=", StringComparison.Ordinal) + 10)..];
        using (var anonymous = app.CreateClient())
        using (await anonymous.GetAsync(link))
        using (await Attachments.AttachmentFiles.UploadAsync(anonymous, created, Attachments.AttachmentFiles.TinyPng, "image/png"))
        {
        }

        Assert.That(file["id"], Is.Not.Null);
        await app.DisposeAsync(); // flushes the exporters

        var secrets = new[] { secret, argument, reply, token, contents, signature };
        var spanTexts = spans.SelectMany(s => new[] { s.DisplayName, s.OperationName }
            .Concat(s.TagObjects.Select(t => $"{t.Key}={t.Value}"))
            .Concat(s.Events.SelectMany(e => e.Tags.Select(t => $"{t.Key}={t.Value}"))))
            .ToList();
        var logTexts = logs.Events.Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture) + " "
            + string.Join(' ', e.Properties.Select(p => $"{p.Key}={p.Value}")) + " " + e.Exception).ToList();

        Assert.That(spans.Select(s => s.Source.Name), Does.Contain("ChatKit.GenAI"), "the model calls are traced");
        Assert.That(spans.Any(s => s.Source.Name == "Npgsql"), Is.True, "so are the database calls");
        Assert.That(logs.Events, Is.Not.Empty);
        Assert.That(logs.Events.Where(e => e.Properties.ContainsKey("RouteTemplate")).All(e => e.Properties.ContainsKey("TraceId") && e.Properties.ContainsKey("SpanId")),
            Is.True, "request lines carry the trace and span ids");
        foreach (var value in secrets)
        {
            Assert.That(spanTexts.Where(t => t.Contains(value, StringComparison.Ordinal)), Is.Empty, $"no span holds {value[..10]}…");
            Assert.That(logTexts.Where(t => t.Contains(value, StringComparison.Ordinal)), Is.Empty, $"no log line holds {value[..10]}…");
        }
    }

    [Test]
    public async Task AModelCallsSpan_FollowsTheGenAiConventions_AndParentsTheUpstreamRequest()
    {
        var spans = new List<Activity>();
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(Upstream))
        {
            TestServices = services => services.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(spans)),
        };
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = "#script-" + Guid.NewGuid().ToString("N");
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("g1", "list_tasks", "{}")), ScriptStep.Text("done"));

        var stream = await client.RunAsync(id, $"list them {marker}");
        Assert.That(stream.DeltaText, Is.EqualTo("done"));
        await app.DisposeAsync(); // flushes the exporter

        var calls = spans.Where(s => s.Source.Name == "ChatKit.GenAI").OrderBy(s => s.StartTimeUtc).ToList();
        Assert.That(calls, Has.Count.EqualTo(2), "one span per model call: the tool step and the answer");
        Assert.That(calls.Select(c => c.GetTagItem("gen_ai.response.finish_reasons") as string[]),
            Is.EqualTo(new[] { new[] { "tool_calls" }, new[] { "stop" } }));
        foreach (var call in calls)
        {
            Assert.That(call.DisplayName, Does.StartWith("chat "));
            Assert.That(call.Kind, Is.EqualTo(ActivityKind.Client));
            Assert.That(call.GetTagItem("gen_ai.operation.name"), Is.EqualTo("chat"));
            Assert.That(call.GetTagItem("gen_ai.request.model"), Is.Not.Null);
            Assert.That(call.GetTagItem("gen_ai.usage.output_tokens"), Is.GreaterThan(0));
            Assert.That(call.Status, Is.Not.EqualTo(ActivityStatusCode.Error));
            Assert.That(spans.Any(s => s.Kind == ActivityKind.Client && s.ParentSpanId == call.SpanId && s.GetTagItem("http.request.method") is "POST"),
                Is.True, "the upstream HTTP call is a child of its model call's span");
        }
    }

    [Test]
    public async Task WithoutAnExporter_NothingIsTraced_AndLogLinesStillCarryTraceIds()
    {
        var logs = new CapturingSink();
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(Upstream, ("LOG_LEVEL", "Information")))
        {
            TestServices = services => services.AddSingleton<ILogEventSink>(logs),
        };
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        var stream = await client.RunAsync(id, "no exporter here");
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));

        Assert.That(app.Services.GetService<TracerProvider>(), Is.Null, "no provider records spans that nothing would receive");
        Assert.That(app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>(), Is.Null);
        for (var wait = 0; wait < 50 && !logs.Events.Any(e => e.Properties.ContainsKey("RouteTemplate")); wait++)
        {
            await Task.Delay(20); // the request line is written as the response completes
        }

        Assert.That(logs.Events.Where(e => e.Properties.ContainsKey("RouteTemplate")).ToList(),
            Has.Count.GreaterThan(0).And.All.Matches<LogEvent>(e => e!.Properties.ContainsKey("TraceId") && e.Properties.ContainsKey("SpanId")),
            "a log line still leads to its request");

        await using var exporting = ChatKitFactory.Create(Upstream, ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"));
        Assert.That(exporting.Services.GetService<TracerProvider>(), Is.Not.Null, "OTLP set: traces are recorded");
    }

    [Test]
    public async Task ARefusedRequestsLogLine_NamesItsRouteAndUser()
    {
        var logs = new CapturingSink();
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(Upstream, ("LOG_LEVEL", "Information")))
        {
            TestServices = services => services.AddSingleton<ILogEventSink>(logs),
        };
        var user = ChatKitFactory.NewUser();
        using var client = app.ClientFor(user);

        using var response = await client.PostAsync(ChatApi.Sessions, new StringContent("{}", System.Text.Encoding.UTF8, "text/plain"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        for (var wait = 0; wait < 50 && !logs.Events.Any(e => e.Properties.ContainsKey("StatusCode")); wait++)
        {
            await Task.Delay(20); // the request line is written as the response completes
        }

        var line = logs.Events.Single(e => e.Properties.TryGetValue("StatusCode", out var status) && status.ToString() == "415");
        Assert.That(line.Properties["RouteTemplate"].ToString(), Is.EqualTo("\"api/v1/chatkit/sessions\""));
        Assert.That(line.Properties["UserId"].ToString(), Is.EqualTo($"\"{user}\""));
    }
}
