using System.Net.Http.Headers;
using System.Text;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>Hardening II, item 8: the smaller findings of the second probe.</summary>
public sealed class SmallerFindingsTwoTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    /// <summary>Malformed multipart bodies to both upload doors: 400 naming the file, never a 500.</summary>
    [TestCase("garbage that is not multipart at all")]
    [TestCase("")]
    [TestCase("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\u0089PNG unclosed")]
    [TestCase("MANY_HEADERS")]
    [TestCase("LONG_HEADER")]
    public async Task AMalformedMultipartBody_Is400(string body)
    {
        body = body switch
        {
            "MANY_HEADERS" => "--b\r\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"X-H{i}: v\r\n")) + "\r\nx\r\n--b--\r\n",
            "LONG_HEADER" => "--b\r\nX-Long: " + new string('a', 20_000) + "\r\n\r\nx\r\n--b--\r\n",
            _ => body,
        };
        using var client = App.ClientFor();
        var created = await Attachments.AttachmentFiles.CreateAsync(client, "a.png", 100, "image/png");
        using var anonymous = App.CreateClient();
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/v1/chatkit/attachments"), (HttpMethod.Put, Attachments.AttachmentFiles.PathOf(created["upload_descriptor"]!["url"])) })
        {
            var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
            using var response = await (method == HttpMethod.Post ? client : anonymous).SendAsync(new HttpRequestMessage(method, path) { Content = content });
            var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
            Assert.That(error.ToJsonString(), Does.Contain("file"), path);
        }
    }

    [Test]
    public async Task ASearchWithANulInQ_Is400NamingQ()
    {
        using var client = App.ClientFor();

        using var response = await client.GetAsync("/api/v1/chatkit/search?q=a%00b");

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error["details"]![0]!["field"]!.GetValue<string>(), Is.EqualTo("q"));
    }

    [Test]
    public async Task ASendRefusedRunInProgress_UnderAnIdempotencyKey_RunsWhenRetriedOnceTheSessionIsFree()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        using var busy = await client.SendRunAsync(id, "#tokens=40 #gapms=25 a long one " + Guid.NewGuid());
        var key = "retry-" + Guid.NewGuid().ToString("N");

        HttpRequestMessage Send() => new(HttpMethod.Post, ChatApi.RunsOf(id))
        {
            Content = System.Net.Http.Json.JsonContent.Create(ChatApi.MessageBody("and this")),
            Headers = { { "Idempotency-Key", key } },
        };

        using (var refused = await client.SendAsync(Send()))
        {
            await refused.AssertErrorAsync(HttpStatusCode.Conflict, "RUN_IN_PROGRESS");
        }

        await ChatApi.ReadStreamAsync(busy); // the first reply ends: the session is free
        using var retried = await client.SendAsync(Send(), HttpCompletionOption.ResponseHeadersRead);
        var stream = await ChatApi.ReadStreamAsync(retried);
        Assert.That(stream.Status, Is.EqualTo(HttpStatusCode.OK), string.Join("\n", stream.Data));
        Assert.That(stream.DeltaText, Is.EqualTo(FakeLlmServer.ReplyText), "the retry ran, not the kept refusal");
    }
}
