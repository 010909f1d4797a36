namespace ChatKit.IntegrationTests.Sessions;

public sealed class ListSessionsTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task List_WhenUserHasNone_ReturnsEmptyArrayAndZeroTotal()
    {
        using var client = App.ClientFor();

        var json = await (await client.GetAsync(ChatApi.Sessions)).JsonAsync();

        Assert.That(json["success"]!.GetValue<bool>(), Is.True);
        Assert.That(json["data"]!.AsArray(), Is.Empty);
        Assert.That(json["meta"]!["total"]!.GetValue<int>(), Is.Zero);
    }

    [Test]
    public async Task List_ReturnsOnlyCallersSessionsNewestActivityFirst()
    {
        using var client = App.ClientFor();
        using var other = App.ClientFor();
        await other.CreateSessionAsync();
        var first = await client.CreateSessionAsync();
        var second = await client.CreateSessionAsync();
        var third = await client.CreateSessionAsync();
        await client.RunAsync(first, "bring the first one to the top");

        var json = await (await client.GetAsync(ChatApi.Sessions)).JsonAsync();

        var ids = json["data"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
        Assert.That(ids, Is.EqualTo(new[] { first, third, second }));
        Assert.That(json["meta"]!["total"]!.GetValue<int>(), Is.EqualTo(3));
        var top = json["data"]![0]!;
        Assert.That(top["message_count"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(top["title"]!.GetValue<string>(), Is.EqualTo("bring the first one to the top"));
        Assert.That(json["meta"]!["next_cursor"], Is.Null);
    }
}
