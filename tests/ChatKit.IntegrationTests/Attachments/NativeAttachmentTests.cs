using System.Text;
using System.Text.Json.Nodes;
using static ChatKit.IntegrationTests.Attachments.AttachmentFiles;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Attachments;

/// <summary>
/// ChatKit's two-phase upload over real PostgreSQL (docs/attachments.md): create, the bytes to the signed link with no
/// token, the message that carries them; the model gets the image as an image part and a text file as text; the
/// attachment is on the item in the stream and on reload, its preview served through its own signed link.
/// </summary>
public sealed class NativeAttachmentTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    [Test]
    public async Task AnImage_GoesUpInTwoPhases_ReachesTheModelAsAnImagePart_AndIsShownOnTheItemAndOnReload()
    {
        using var client = App.ClientFor();
        var png = PngOf(600_000); // three stored chunks
        var created = await CreateAsync(client, "whiteboard.png", png.Length, "image/png");
        Assert.That(created["id"]!.GetValue<string>(), Does.Match("^atc_[0-9a-f]{32}$"));
        Assert.That(created["type"]!.GetValue<string>(), Is.EqualTo("image"));
        Assert.That(created["upload_descriptor"]!["method"]!.GetValue<string>(), Is.EqualTo("PUT"));
        Assert.That(new Uri(created["upload_descriptor"]!["url"]!.GetValue<string>()).IsAbsoluteUri, Is.True);
        Assert.That(created.AsObject().ContainsKey("metadata"), Is.False);
        var (records, chunks) = await StoredAsync(created["id"]!.GetValue<string>());
        Assert.That((records, chunks), Is.EqualTo((1L, 0L)), "only the pending record");

        using var anonymous = App.CreateClient();
        using var uploaded = await UploadAsync(anonymous, created, png, "image/png");
        var attachment = JsonNode.Parse(await uploaded.Content.ReadAsStringAsync())!;
        Assert.That(uploaded.StatusCode, Is.EqualTo(HttpStatusCode.OK), attachment.ToJsonString());
        Assert.That(attachment.AsObject().ContainsKey("upload_descriptor"), Is.False, "the upload link is gone once the bytes are in");
        Assert.That(await StoredAsync(attachment["id"]!.GetValue<string>()), Is.EqualTo((1L, 3L)));

        var marker = Marker();
        Upstream.Script(marker, ScriptStep.Text("Three tasks on that board."));
        var stream = await StreamAsync(client, "threads.create", new JsonObject { ["input"] = InputWith("Turn this into tasks " + marker, attachment["id"]!.GetValue<string>()) });

        var request = Upstream.RequestsWith(marker).Single();
        Assert.That(request.ImageUrls, Is.EqualTo(new[] { "data:image/png;base64," + Convert.ToBase64String(png) }), "the image itself, as a data: URL");
        var item = stream.Events.First(e => e["item"]?["type"]?.GetValue<string>() == "user_message")["item"]!;
        var shown = item["attachments"]![0]!;
        var threadId = stream.Events[0]["thread"]!["id"]!.GetValue<string>();
        Assert.That(shown["id"]!.GetValue<string>(), Is.EqualTo(attachment["id"]!.GetValue<string>()));
        Assert.That(shown["thread_id"]!.GetValue<string>(), Is.EqualTo(threadId));

        // The preview is served through its own signed link, to a browser that sends no token.
        using var preview = await anonymous.GetAsync(PathOf(shown["preview_url"]));
        Assert.That(preview.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await preview.Content.ReadAsByteArrayAsync(), Is.EqualTo(png));
        Assert.That(preview.Content.Headers.ContentType!.MediaType, Is.EqualTo("image/png"));
        Assert.That(preview.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        Assert.That(preview.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("sandbox"));

        // On reload: the same attachment on the item, with fresh links.
        var items = await CallAsync(client, "items.list", new { thread_id = threadId });
        var reloaded = items["data"]!.AsArray().Single(i => i!["type"]!.GetValue<string>() == "user_message")!["attachments"]![0]!;
        Assert.That(reloaded["id"]!.GetValue<string>(), Is.EqualTo(shown["id"]!.GetValue<string>()));
        Assert.That(reloaded["thread_id"]!.GetValue<string>(), Is.EqualTo(threadId));

        await ReferenceTypes.AssertValidAsync([
            (ReferenceTypes.Attachment, created), (ReferenceTypes.Attachment, attachment), .. ReferenceTypes.Events(stream.Events),
            (ReferenceTypes.ItemsPage, items),
        ]);
    }

    [Test]
    public async Task LaterTurns_SendTheImageAgain_AndTheBudgetCountsItsTokensAsTheUpstreamReports()
    {
        using var client = App.ClientFor();
        var attachment = await CreateUploadedAsync(App, client, "a.png", TinyPng, "image/png");
        var first = await StreamAsync(client, "threads.create", new JsonObject { ["input"] = InputWith("What is this?", attachment["id"]!.GetValue<string>()) });
        var threadId = first.Events[0]["thread"]!["id"]!.GetValue<string>();

        var marker = Marker();
        await StreamAsync(client, "threads.add_user_message", new JsonObject { ["thread_id"] = threadId, ["input"] = InputWith("And now? " + marker) });
        Assert.That(Upstream.RequestsWith(marker).Single().ImageUrls, Has.Count.EqualTo(1), "the kept history's image goes again");

        // Both calls sent one image: the ledger holds the upstream's prompt tokens for it, not an estimate.
        var session = (await (await client.GetAsync($"{ChatApi.Sessions}/{threadId}")).JsonAsync())["data"]!;
        Assert.That(session["usage"]!["prompt_tokens"]!.GetValue<long>(), Is.EqualTo(2 * (42 + FakeLlmServer.TokensPerImage)));
    }

    [Test]
    public async Task ATextFile_ReachesTheModelAsText_CutAtTheLimitWithAMarker()
    {
        using var client = App.ClientFor();
        var text = string.Concat(Enumerable.Range(0, 2_500).Select(i => $"line {i:D4}\n")); // 25 000 characters
        var bytes = Encoding.UTF8.GetBytes(text);
        var attachment = await CreateUploadedAsync(App, client, "notes.md", bytes, "text/markdown");
        Assert.That(attachment["type"]!.GetValue<string>(), Is.EqualTo("file"));
        Assert.That(attachment.AsObject().ContainsKey("preview_url"), Is.False);

        var marker = Marker();
        await StreamAsync(client, "threads.create", new JsonObject { ["input"] = InputWith("Summarise " + marker, attachment["id"]!.GetValue<string>()) });

        var sent = Upstream.RequestsWith(marker).Single().LastUserText;
        Assert.That(sent, Does.StartWith("Summarise " + marker));
        Assert.That(sent, Does.Contain("[Attached file: notes.md (text/markdown, 24.4 KiB)]\n" + text[..20_000]));
        Assert.That(sent, Does.Not.Contain(text[..20_001]), "cut at ATTACHMENT_TEXT_MAX_CHARS");
        Assert.That(sent, Does.EndWith("[… cut here: the file is longer than the 20000 characters read]"));
    }

    [Test]
    public async Task AMessageOfAnAttachmentAlone_IsAccepted()
    {
        using var client = App.ClientFor();
        var attachment = await CreateUploadedAsync(App, client, "a.png", TinyPng, "image/png");
        var stream = await StreamAsync(client, "threads.create", new JsonObject { ["input"] = InputWith(string.Empty, attachment["id"]!.GetValue<string>()) });
        Assert.That(stream.Types, Does.Contain("thread.item.done"));
    }
}
