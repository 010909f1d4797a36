using System.Net.Http.Headers;

namespace ChatKit.IntegrationTests.Sessions;

public sealed class CreateSessionTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task Create_WhenAuthenticated_StoresNewChatRowOwnedBySub()
    {
        var sub = ChatKitFactory.NewUser();
        using var client = App.ClientFor(sub);

        var response = await client.PostAsync(ChatApi.Sessions, null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var json = await response.JsonAsync();
        var data = json["data"]!;
        Assert.That(json["success"]!.GetValue<bool>(), Is.True);
        Assert.That(Guid.TryParse(data["id"]!.GetValue<string>(), out var id), Is.True);
        Assert.That(data["user_id"]!.GetValue<string>(), Is.EqualTo(sub));
        Assert.That(data["title"]!.GetValue<string>(), Is.EqualTo("New Chat"));
        Assert.That(data["message_count"]!.GetValue<int>(), Is.Zero);
        Assert.That(data["created_at"]!.GetValue<string>(), Does.EndWith("Z"));
        var stored = await TestEnvironment.ScalarAsync<string>("SELECT title FROM sessions WHERE id = @id AND user_id = @u", new { id = id, u = sub });
        Assert.That(stored, Is.EqualTo("New Chat"));
    }

    [Test]
    public async Task Create_WithoutToken_Returns401EnvelopeWithBearerChallenge()
    {
        using var client = App.CreateClient();

        var response = await client.PostAsync(ChatApi.Sessions, null);

        var error = await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.That(error["message"]!.GetValue<string>(), Is.EqualTo("Could not validate credentials"));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
    }

    [Test]
    public async Task Create_WithTitle_KeepsItAndFirstMessageDoesNotRename()
    {
        using var client = App.ClientFor();

        var response = await client.PostJsonAsync(ChatApi.Sessions, """{"title":"  Trip plans  "}""");
        var id = (await response.JsonAsync())["data"]!["id"]!.GetValue<string>();
        var stream = await client.RunAsync(id, "Where should we go?");

        Assert.That(stream.Types, Does.Not.Contain("thread.updated"));
        var detail = await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync();
        Assert.That(detail["data"]!["title"]!.GetValue<string>(), Is.EqualTo("Trip plans"));
    }

    [TestCase("""{"title":""}""")]
    [TestCase("""{"title":"   "}""")]
    [TestCase("""{"title":5}""")]
    public async Task Create_WithInvalidTitle_Returns400ValidationError(string body)
    {
        using var client = App.ClientFor();

        var response = await client.PostJsonAsync(ChatApi.Sessions, body);

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error["details"]!.AsArray(), Is.Not.Empty);
    }

    [Test]
    public async Task Create_WithTitleOf201Characters_Returns400AndStoresNothing()
    {
        var sub = ChatKitFactory.NewUser();
        using var client = App.ClientFor(sub);

        var response = await client.PostJsonAsync(ChatApi.Sessions, $$"""{"title":"{{new string('t', 201)}}"}""");

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = @u", new { u = sub }), Is.Zero);
    }

    [Test]
    public async Task Create_WhenUserHoldsTenSessions_Returns429SessionLimit()
    {
        using var client = App.ClientFor();
        for (var i = 0; i < 10; i++)
        {
            await client.CreateSessionAsync();
        }

        var response = await client.PostAsync(ChatApi.Sessions, null);

        var error = await response.AssertErrorAsync(HttpStatusCode.TooManyRequests, "SESSION_LIMIT");
        Assert.That(error["message"]!.GetValue<string>(), Is.EqualTo("Maximum 10 sessions allowed. Please delete an old session."));
    }

    [Test]
    public async Task Create_WhenOneSessionIsDeletedAtTheCap_AllowsANewOne()
    {
        using var client = App.ClientFor();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await client.CreateSessionAsync());
        }

        await client.DeleteAsync($"{ChatApi.Sessions}/{ids[0]}");

        Assert.That((await client.PostAsync(ChatApi.Sessions, null)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Create_When20RaceInParallel_ExactlyTenWin()
    {
        var sub = ChatKitFactory.NewUser();
        var token = App.TokenFor(sub);
        var clients = Enumerable.Range(0, 20).Select(_ =>
        {
            var c = App.CreateClient();
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return c;
        }).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostAsync(ChatApi.Sessions, null)));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(10));
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests), Is.EqualTo(10));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = @u", new { u = sub }), Is.EqualTo(10));
        clients.ForEach(c => c.Dispose());
    }
}
