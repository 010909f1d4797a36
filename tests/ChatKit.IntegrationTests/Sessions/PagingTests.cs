namespace ChatKit.IntegrationTests.Sessions;

public sealed class PagingTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task List_WithLimit_PagesThroughEverySessionOnceInTheSameOrder()
    {
        using var client = App.ClientFor();
        for (var i = 0; i < 7; i++)
        {
            await client.CreateSessionAsync();
        }

        var all = (await (await client.GetAsync(ChatApi.Sessions)).JsonAsync())["data"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
        var paged = new List<string>();
        var pages = new List<int>();
        string? cursor = null;
        do
        {
            var json = await (await client.GetAsync($"{ChatApi.Sessions}?limit=3{(cursor is null ? string.Empty : "&after=" + cursor)}")).JsonAsync();
            var ids = json["data"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
            paged.AddRange(ids);
            pages.Add(ids.Count);
            Assert.That(json["meta"]!["total"]!.GetValue<int>(), Is.EqualTo(7));
            cursor = json["meta"]!["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.That(pages, Is.EqualTo(new[] { 3, 3, 1 }));
        Assert.That(paged, Is.EqualTo(all));
    }

    [Test]
    public async Task Get_WithLimit_PagesMessagesOldestFirst()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        for (var i = 0; i < 3; i++)
        {
            await client.RunAsync(id, $"question {i}");
        }

        var first = await (await client.GetAsync($"{ChatApi.Sessions}/{id}?limit=4")).JsonAsync();
        var cursor = first["meta"]!["next_cursor"]!.GetValue<string>();
        var second = await (await client.GetAsync($"{ChatApi.Sessions}/{id}?limit=4&after={cursor}")).JsonAsync();
        var whole = await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync();

        static List<string> Ids(System.Text.Json.Nodes.JsonNode json) =>
            json["data"]!["messages"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();
        Assert.That(Ids(first), Has.Count.EqualTo(4));
        Assert.That(Ids(second), Has.Count.EqualTo(2));
        Assert.That(second["meta"], Is.Null, "no next page, so no meta");
        Assert.That(whole["meta"], Is.Null, "unpaged answers exactly as before");
        Assert.That(Ids(first).Concat(Ids(second)), Is.EqualTo(Ids(whole)));
        Assert.That(first["data"]!["message_count"]!.GetValue<int>(), Is.EqualTo(6));
    }

    [TestCase("?limit=0")]
    [TestCase("?limit=201")]
    [TestCase("?after=not-a-cursor")]
    public async Task Paging_WithBadLimitOrCursor_Returns400(string query)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        await (await client.GetAsync(ChatApi.Sessions + query)).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await (await client.GetAsync($"{ChatApi.Sessions}/{id}{query}")).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Test]
    public async Task Run_WithLongHistory_SendsOnlyTheMostRecentMessagesUpstream()
    {
        await using var app = ChatKitFactory.Create(AssemblySetup.Upstream, ("HISTORY_MAX_MESSAGES", "3"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        for (var i = 0; i < 4; i++)
        {
            await client.RunAsync(id, $"q{i}");
        }

        var marker = "latest " + Guid.NewGuid();
        await client.RunAsync(id, marker);

        var request = await AssemblySetup.Upstream.WaitForRequestAsync(marker);
        Assert.That(request.Messages.Select(m => m.Content), Is.EqualTo(new[] { request.Messages[0].Content, FakeLlmServer.ReplyText, "q3", FakeLlmServer.ReplyText, marker }));
    }
}
