using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>What a client got wrong is one log line at Information or Warning, never an Error with a stack trace.</summary>
public sealed class ClientErrorLoggingTests
{
    private static async Task<(ChatKitFactory App, CapturingSink Logs)> StartAsync(bool kestrel = false)
    {
        var logs = new CapturingSink();
        var app = new ChatKitFactory(ChatKitFactory.Settings(AssemblySetup.Upstream, ("LOG_LEVEL", "Information")))
        {
            TestServices = services => services.AddSingleton<ILogEventSink>(logs),
        };
        if (kestrel)
        {
            app.UseKestrel(0);
            app.StartServer();
        }
        else
        {
            _ = app.Server;
        }

        await Task.Yield();
        return (app, logs);
    }

    private static async Task<IReadOnlyList<LogEvent>> RequestLinesAsync(CapturingSink logs, int status)
    {
        for (var wait = 0; wait < 100 && !logs.Events.Any(e => IsLine(e, status)); wait++)
        {
            await Task.Delay(20); // the request line is written as the response completes
        }

        return logs.Events.Where(e => IsLine(e, status)).ToList();
    }

    private static bool IsLine(LogEvent e, int status) =>
        e.Properties.TryGetValue("StatusCode", out var code) && code.ToString() == status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Test]
    public async Task AChunkedBodyOverTheLimit_Is413_LoggedAsItsRequestLineOnly()
    {
        var (app, logs) = await StartAsync(kestrel: true); // the body limit is Kestrel's
        await using var _ = app;
        using var client = app.SocketClientFor(ChatKitFactory.NewUser());
        var body = new StringContent("{\"title\":\"" + new string('a', 100 * 1024) + "\"}", Encoding.UTF8, "application/json");
        await body.LoadIntoBufferAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, ChatApi.Sessions) { Content = new StreamContent(await body.ReadAsStreamAsync()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        var lines = await RequestLinesAsync(logs, 413);
        Assert.That(lines.Single().Level, Is.EqualTo(LogEventLevel.Information));
        Assert.That(logs.Events.Where(e => e.Level >= LogEventLevel.Error).Select(e => e.RenderMessage()), Is.Empty);
        Assert.That(logs.Events.Where(e => e.Exception is not null), Is.Empty, "no stack trace");
    }

    [Test]
    public async Task AnMcpCallToAnUnknownTool_IsMinus32602_AndNoError()
    {
        var (app, logs) = await StartAsync();
        await using var _ = app;
        using var client = app.ClientFor();
        using var response = await client.PostMcpAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"format_disk","arguments":{}}}""");
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.That(answer["id"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(answer["error"]!["code"]!.GetValue<int>(), Is.EqualTo(-32602));
        Assert.That(answer["error"]!["message"]!.GetValue<string>(), Is.EqualTo("Unknown tool: format_disk"));
        await RequestLinesAsync(logs, 200);
        Assert.That(logs.Events.Where(e => e.Level >= LogEventLevel.Error).Select(e => e.RenderMessage()), Is.Empty);
    }
}
