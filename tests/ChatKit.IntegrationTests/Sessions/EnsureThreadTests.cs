namespace ChatKit.IntegrationTests.Sessions;

public sealed class EnsureThreadTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task EnsureThread_WhenOwned_ReturnsSessionIdAndCreatedAtIdempotently()
    {
        using var client = App.ClientFor();
        var created = await (await client.PostAsync(ChatApi.Sessions, null)).JsonAsync();
        var id = created["data"]!["id"]!.GetValue<string>();

        var first = await (await client.PostAsync($"{ChatApi.Sessions}/{id}/threads", null)).JsonAsync();
        var second = await (await client.PostJsonAsync($"{ChatApi.Sessions}/{id}/threads", """{"ignored":true}""")).JsonAsync();

        foreach (var json in new[] { first, second })
        {
            Assert.That(json["data"]!["id"]!.GetValue<string>(), Is.EqualTo(id));
            Assert.That(json["data"]!["session_id"]!.GetValue<string>(), Is.EqualTo(id));
            Assert.That(json["data"]!["created_at"]!.GetValue<string>(), Is.EqualTo(created["data"]!["created_at"]!.GetValue<string>()));
        }
    }

    [TestCase("00000000-0000-7000-8000-000000000001")]
    [TestCase("not-a-uuid")]
    public async Task EnsureThread_WhenSessionUnknown_Returns404SessionNotFound(string id)
    {
        using var client = App.ClientFor();

        var response = await client.PostAsync($"{ChatApi.Sessions}/{id}/threads", null);

        var error = await response.AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        Assert.That(error["message"]!.GetValue<string>(), Is.EqualTo($"Session {id} not found"));
    }

    [Test]
    public async Task EnsureThread_WhenSomeoneElsesSession_Returns403Forbidden()
    {
        using var owner = App.ClientFor();
        using var intruder = App.ClientFor();
        var id = await owner.CreateSessionAsync();

        var response = await intruder.PostAsync($"{ChatApi.Sessions}/{id}/threads", null);

        var error = await response.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.That(error["message"]!.GetValue<string>(), Is.EqualTo("You do not have access to this session"));
    }
}
