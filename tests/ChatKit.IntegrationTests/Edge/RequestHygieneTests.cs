using System.Net.Http.Headers;
using System.Text;

namespace ChatKit.IntegrationTests.Edge;

public sealed class RequestHygieneTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task Body_Over64KiB_Returns413AndStoresNothing()
    {
        var sub = ChatKitFactory.NewUser();
        using var client = App.ClientFor(sub);
        var id = await client.CreateSessionAsync();
        var huge = $$$"""{"message":{"content":[{"text":"{{{new string('x', 70_000)}}}"}]}}""";

        var create = await client.PostJsonAsync(ChatApi.Sessions, $$"""{"title":"{{new string('y', 70_000)}}"}""");
        var run = await client.PostJsonAsync(ChatApi.RunsOf(id), huge);

        await create.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        await run.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = @sub", new { sub }), Is.EqualTo(1));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM messages WHERE session_id = @id", new { id = Guid.Parse(id) }), Is.Zero);
    }

    [TestCase("text/plain")]
    [TestCase("application/x-www-form-urlencoded")]
    [TestCase("application/xml")]
    [TestCase("application/json; charset=latin1")]
    public async Task Body_NotJson_Returns415OnEveryEndpoint(string contentType)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        foreach (var path in new[] { ChatApi.Sessions, $"{ChatApi.Sessions}/{id}/threads", ChatApi.RunsOf(id) })
        {
            var content = new StringContent("""{"message":{"content":[{"text":"hi"}]}}""", Encoding.UTF8);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            var response = await client.PostAsync(path, content);
            await response.AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
        }
    }

    [Test]
    public async Task Responses_CarrySecurityHeadersAndJsonIsNeverCached()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var json = await client.GetAsync(ChatApi.Sessions);
        var error = await client.GetAsync("/nope");
        using var stream = await client.SendRunAsync(id, "hello");

        foreach (var response in new[] { json, error, stream })
        {
            Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
            Assert.That(response.Headers.GetValues("Referrer-Policy").Single(), Is.EqualTo("no-referrer"));
        }

        Assert.That(json.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(error.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(stream.Headers.CacheControl?.NoCache, Is.True);
    }
}
