namespace ChatKit.IntegrationTests.Sessions;

public sealed class RenameSessionTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static Task<HttpResponseMessage> RenameAsync(HttpClient client, string id, string json) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"{ChatApi.Sessions}/{id}")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        });

    [Test]
    public async Task Rename_SetsTheTrimmedTitle_AndTheFirstMessageNoLongerNamesTheSession()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var response = await RenameAsync(client, id, """{"title": "  Groceries  "}""");

        var json = await response.JsonAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(json["data"]!["title"]!.GetValue<string>(), Is.EqualTo("Groceries"));
        Assert.That(json["data"]!["id"]!.GetValue<string>(), Is.EqualTo(id));
        await client.RunAsync(id, "What should I buy for dinner?");
        var session = await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync();
        Assert.That(session["data"]!["title"]!.GetValue<string>(), Is.EqualTo("Groceries"));
    }

    [TestCase("""{"title": "   "}""")]
    [TestCase("""{}""")]
    [TestCase("""{"title": 5}""")]
    public async Task Rename_WithoutAUsableTitle_Is400AndChangesNothing(string body)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        await (await RenameAsync(client, id, body)).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        var session = await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync();
        Assert.That(session["data"]!["title"]!.GetValue<string>(), Is.EqualTo("New Chat"));
    }

    [Test]
    public async Task Rename_TooLongTitle_Is400()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var error = await (await RenameAsync(client, id, $$"""{"title": "{{new string('x', 201)}}"}""")).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        Assert.That(error["details"]![0]!["message"]!.GetValue<string>(), Does.Contain("200"));
    }

    [Test]
    public async Task Rename_SomeoneElsesOrAMissingSession_Is403Or404AndKeepsTheTitle()
    {
        using var owner = App.ClientFor();
        using var intruder = App.ClientFor();
        var id = await owner.CreateSessionAsync();

        await (await RenameAsync(intruder, id, """{"title": "mine now"}""")).AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        await (await RenameAsync(owner, Guid.CreateVersion7().ToString(), """{"title": "x"}""")).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        await (await RenameAsync(owner, "nope", """{"title": "x"}""")).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");

        var session = await (await owner.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync();
        Assert.That(session["data"]!["title"]!.GetValue<string>(), Is.EqualTo("New Chat"));
    }
}
