using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Runs;

/// <summary>An instance that stops (a rollout's SIGTERM) with replies streaming: nothing is lost and nobody is left hanging.</summary>
public sealed class ShutdownTests
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task Stopping_WithALongReplyStreaming_EndsItAfterTheDrainSayingWhy_AndStoresTheReplySoFar(bool background)
    {
        var app = ChatKitFactory.Create(AssemblySetup.Upstream, ("RUN_DRAIN_SECONDS", "1"));
        app.UseKestrel(0);
        app.StartServer();
        var user = ChatKitFactory.NewUser();
        using var client = app.SocketClientFor(user);
        var id = await client.CreateSessionAsync();

        // A 40-second reply, far longer than the drain (1 s) and the host's shutdown timeout (1 + 15 s).
        using var response = await client.SendRunAsync(id, $"#tokens=2000 #gapms=20 {Guid.NewGuid():N}", background);
        var (data, streamEnded) = await StopWhileReadingAsync(app, response);

        Assert.That(streamEnded, Is.LessThan(TimeSpan.FromSeconds(8)), "the stream ends after the drain, not at the shutdown timeout");
        Assert.That(data[^1], Is.EqualTo("[DONE]"));
        var said = JsonNode.Parse(data[^2])!;
        Assert.That(said["type"]!.GetValue<string>(), Is.EqualTo("error"));
        Assert.That(said["message"]!.GetValue<string>(), Does.Contain("restarting"));
        var deltas = new SseStream(HttpStatusCode.OK, "text/event-stream", data, []).DeltaText;

        using var reader2 = AssemblySetup.App.ClientFor(user);
        var messages = await reader2.MessagesAsync(id);
        Assert.That(messages.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "user", "assistant" }));
        Assert.That(messages[1]!["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
        Assert.That(messages[1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(deltas), "what the client saw is what is stored");
        var session = (await (await reader2.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync())["data"]!;
        Assert.That(session["active_run"], Is.Null, "the session is free for the next message on another instance");
    }

    [Test]
    public async Task Stopping_WithAShortReplyStreaming_LetsItFinishWithinTheDrain()
    {
        var app = ChatKitFactory.Create(AssemblySetup.Upstream, ("RUN_DRAIN_SECONDS", "20"));
        app.UseKestrel(0);
        app.StartServer();
        var user = ChatKitFactory.NewUser();
        using var client = app.SocketClientFor(user);
        var id = await client.CreateSessionAsync();

        // About 3 s of reply, well within the drain.
        using var response = await client.SendRunAsync(id, $"#tokens=100 #gapms=30 {Guid.NewGuid():N}", background: false);
        var (data, streamEnded) = await StopWhileReadingAsync(app, response);

        Assert.That(streamEnded, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(data[^1], Is.EqualTo("[DONE]"));
        Assert.That(data.Where(d => d != "[DONE]").Select(d => JsonNode.Parse(d)!["type"]!.GetValue<string>()), Has.None.EqualTo("error"));
        using var other = AssemblySetup.App.ClientFor(user);
        var reply = (await other.MessagesAsync(id))[^1]!;
        Assert.That(reply["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(reply["content"]![0]!["text"]!.GetValue<string>().Split(' '), Has.Length.EqualTo(100));
    }

    /// <summary>Reads the stream until five deltas came, stops the instance, reads the rest; the data lines, and how long
    /// the stream went on after the stop began.</summary>
    private static async Task<(List<string> Data, TimeSpan StreamEnded)> StopWhileReadingAsync(ChatKitFactory app, HttpResponseMessage response)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var data = new List<string>();
        while (data.Count(d => d.Contains("text_delta", StringComparison.Ordinal)) < 5 && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line[6..]);
            }
        }

        var clock = Stopwatch.StartNew();
        var stopping = app.DisposeAsync().AsTask();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line[6..]);
            }
        }

        var streamEnded = clock.Elapsed;
        await stopping;
        return (data, streamEnded);
    }
}
