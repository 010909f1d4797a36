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

    [Test]
    public async Task TheOfflineModel_SaysWhatWasAttached_AsItReceivedIt()
    {
        await using var app = ChatKitFactory.Create(upstream: null);
        using var client = app.ClientFor();
        var image = await Attachments.AttachmentFiles.CreateUploadedAsync(app, client, "board.png", Attachments.AttachmentFiles.TinyPng, "image/png");
        var notes = await Attachments.AttachmentFiles.CreateUploadedAsync(app, client, "notes.txt", System.Text.Encoding.UTF8.GetBytes("milk, eggs"), "text/plain");

        var stream = await NativeApi.StreamAsync(client, "threads.create", new System.Text.Json.Nodes.JsonObject
        {
            ["input"] = Attachments.AttachmentFiles.InputWith("Read these", image["id"]!.GetValue<string>(), notes["id"]!.GetValue<string>()),
        });

        var reply = string.Concat(stream.Events.Where(e => e["update"]?["type"]?.GetValue<string>() == "assistant_message.content_part.text_delta")
            .Select(e => e["update"]!["delta"]!.GetValue<string>()));
        Assert.That(reply, Does.Contain($"attached board.png (an image of {Attachments.AttachmentFiles.TinyPng.Length} bytes), notes.txt ("));
    }
}
