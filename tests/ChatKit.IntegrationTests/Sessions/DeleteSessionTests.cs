namespace ChatKit.IntegrationTests.Sessions;

public sealed class DeleteSessionTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task Delete_WhenOwned_RemovesSessionAndItsMessagesAndSecondDeleteIs404()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        await client.RunAsync(id, "something to delete");
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM messages WHERE session_id = @id", new { id = Guid.Parse(id) }), Is.EqualTo(2));

        var response = await client.DeleteAsync($"{ChatApi.Sessions}/{id}");

        var json = await response.JsonAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(json["data"]!["deleted"]!.GetValue<bool>(), Is.True);
        Assert.That(json["data"]!["session_id"]!.GetValue<string>(), Is.EqualTo(id));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM messages WHERE session_id = @id", new { id = Guid.Parse(id) }), Is.Zero);
        await (await client.DeleteAsync($"{ChatApi.Sessions}/{id}")).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        var list = await (await client.GetAsync(ChatApi.Sessions)).JsonAsync();
        Assert.That(list["data"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task Delete_WhenUnknown_Returns404()
    {
        using var client = App.ClientFor();

        await (await client.DeleteAsync($"{ChatApi.Sessions}/{Guid.CreateVersion7()}")).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        await (await client.DeleteAsync($"{ChatApi.Sessions}/nope")).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
    }

    [Test]
    public async Task Delete_WhenSomeoneElsesSession_Returns403AndKeepsIt()
    {
        using var owner = App.ClientFor();
        using var intruder = App.ClientFor();
        var id = await owner.CreateSessionAsync();

        await (await intruder.DeleteAsync($"{ChatApi.Sessions}/{id}")).AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");

        Assert.That((await owner.GetAsync($"{ChatApi.Sessions}/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
