using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using static ChatKit.IntegrationTests.Attachments.AttachmentFiles;

namespace ChatKit.IntegrationTests.Attachments;

/// <summary>
/// The REST side of attachments: a one-step multipart upload in the envelope, metadata, the bytes with the token, a run
/// that carries attachments and the session that shows them; what is served is never a page of the API's origin.
/// </summary>
public sealed class RestAttachmentTests
{
    private const string Attachments = "/api/v1/chatkit/attachments";

    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    [Test]
    public async Task AOneStepUpload_IsSentWithARun_AndShownOnTheSessionsUserMessage()
    {
        using var client = App.ClientFor();
        using var form = Form(TinyPng, "screenshot.png", "image/png");
        using var uploaded = await client.PostAsync(Attachments, form);
        var body = await uploaded.JsonAsync();
        Assert.That(uploaded.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        Assert.That(body["success"]!.GetValue<bool>(), Is.True);
        var attachment = body["data"]!;
        var id = attachment["id"]!.GetValue<string>();
        Assert.That(attachment["name"]!.GetValue<string>(), Is.EqualTo("screenshot.png"));
        Assert.That(attachment.AsObject().ContainsKey("upload_descriptor"), Is.False, "the bytes came with it");
        var metadata = (await (await client.GetAsync($"{Attachments}/{id}")).JsonAsync())["data"]!;
        Assert.That(metadata["mime_type"]!.GetValue<string>(), Is.EqualTo("image/png"));

        var sessionId = await client.CreateSessionAsync();
        var marker = NativeApi.Marker();
        using var run = await client.PostAsJsonAsync(ChatApi.RunsOf(sessionId), new
        {
            message = new { role = "user", content = new[] { new { type = "input_text", text = "What is on it? " + marker } }, attachments = new[] { id } },
        });
        var stream = await ChatApi.ReadStreamAsync(run);
        Assert.That(stream.Status, Is.EqualTo(HttpStatusCode.OK), string.Join('\n', stream.Data));
        Assert.That(Upstream.RequestsWith(marker).Single().ImageUrls, Is.EqualTo(new[] { "data:image/png;base64," + Convert.ToBase64String(TinyPng) }));

        var messages = await client.MessagesAsync(sessionId);
        var shown = messages[0]!["attachments"]![0]!;
        Assert.That(shown["id"]!.GetValue<string>(), Is.EqualTo(id));
        Assert.That(shown["thread_id"]!.GetValue<string>(), Is.EqualTo(sessionId));
        Assert.That(messages[1]!.AsObject().ContainsKey("attachments"), Is.False, "an assistant message carries none");

        using var bytes = await client.GetAsync($"{Attachments}/{id}/content");
        Assert.That(await bytes.Content.ReadAsByteArrayAsync(), Is.EqualTo(TinyPng), "with the owner's token, no link needed");
        Assert.That(bytes.Content.Headers.ContentDisposition!.DispositionType, Is.EqualTo("inline"));

        using var deleted = await client.DeleteAsync($"{Attachments}/{id}");
        Assert.That((await deleted.JsonAsync())["data"]!["deleted"]!.GetValue<bool>(), Is.True);
        Assert.That(await StoredAsync(id), Is.EqualTo((0L, 0L)));
        Assert.That((await client.MessagesAsync(sessionId))[0]!["attachments"]!.AsArray(), Is.Empty, "gone from the message too");
    }

    [Test]
    public async Task AFileWithMarkup_IsServedAsADownload_WithItsStoredType_SandboxedAndNotSniffed()
    {
        using var client = App.ClientFor();
        var markup = Encoding.UTF8.GetBytes("<html><script>alert(document.cookie)</script></html>");
        using var form = Form(markup, "page.txt", "text/plain");
        var id = (await (await client.PostAsync(Attachments, form)).JsonAsync())["data"]!["id"]!.GetValue<string>();

        using var served = await client.GetAsync($"{Attachments}/{id}/content");
        Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(served.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"), "its stored type, never text/html");
        Assert.That(served.Content.Headers.ContentDisposition!.DispositionType, Is.EqualTo("attachment"));
        Assert.That(served.Content.Headers.ContentDisposition.FileNameStar, Is.EqualTo("page.txt"));
        Assert.That(served.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        Assert.That(served.Headers.GetValues("Content-Security-Policy").Single(), Is.EqualTo("default-src 'none'; sandbox"));
        Assert.That(await served.Content.ReadAsByteArrayAsync(), Is.EqualTo(markup));
    }
}
