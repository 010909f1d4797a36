namespace ChatKit.IntegrationTests.Runs;

public sealed class OfflineModelTests
{
    [Test]
    public async Task Run_WithoutApiKey_OfflineModelStreamsReplyQuotingTheUser()
    {
        await using var app = ChatKitFactory.Create(upstream: null);
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "Is anyone there?");

        Assert.That(stream.Types.Count(t => t == "thread.item.updated"), Is.GreaterThan(4), "it streams in several chunks");
        Assert.That(stream.DeltaText, Does.Contain("offline").And.Contain("\"Is anyone there?\""));
        var stored = await TestEnvironment.ScalarAsync<string>(
            "SELECT model || '|' || (content->0->>'text') FROM messages WHERE session_id = @id AND role = 'assistant'",
            new { id = Guid.Parse(id) });
        Assert.That(stored, Is.EqualTo("offline|" + stream.DeltaText));
    }
}
