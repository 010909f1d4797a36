namespace ChatKit.IntegrationTests.Hardening;

/// <summary>A UI whose Stop aborts the fetch and sends again at once: the new send is accepted, not a 409.</summary>
public sealed class SendAfterHangUpTests
{
    [Test]
    public async Task SendingRightAfterDroppingAForegroundReply_IsAccepted([Range(1, 10)] int trial)
    {
        await using var app = ChatKitFactory.Create(AssemblySetup.Upstream);
        app.UseKestrel(0);
        app.StartServer();
        using var client = app.SocketClientFor(ChatKitFactory.NewUser());
        var id = await client.CreateSessionAsync();

        using (var first = await client.SendRunAsync(id, "#tokens=400 #gapms=20 long reply " + Guid.NewGuid()))
        {
            using var reader = new StreamReader(await first.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && !line.Contains("text_delta", StringComparison.Ordinal))
            {
            }
        }

        using var second = await client.SendRunAsync(id, "and now this instead");
        var stream = await ChatApi.ReadStreamAsync(second);

        Assert.That(stream.Status, Is.EqualTo(HttpStatusCode.OK), string.Join("\n", stream.Data));
        Assert.That(stream.DeltaText, Is.EqualTo(FakeLlmServer.ReplyText));
        var messages = await client.MessagesAsync(id);
        Assert.That(messages.Select(m => (m!["role"]!.GetValue<string>(), m["status"]!.GetValue<string>())), Is.EqualTo(new[]
        {
            ("user", "completed"), ("assistant", "incomplete"), ("user", "completed"), ("assistant", "completed"),
        }));
    }
}
