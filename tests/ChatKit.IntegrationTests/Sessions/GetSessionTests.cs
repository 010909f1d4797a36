namespace ChatKit.IntegrationTests.Sessions;

public sealed class GetSessionTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task Get_AfterTwoTurns_ReturnsMessagesOldestFirstWithContractShape()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        await client.RunAsync(id, "first question");
        await client.RunAsync(id, "second question");

        var json = await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync();

        var data = json["data"]!;
        Assert.That(data["message_count"]!.GetValue<int>(), Is.EqualTo(4));
        var messages = data["messages"]!.AsArray();
        Assert.That(messages.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "user", "assistant", "user", "assistant" }));
        Assert.That(messages[0]!["content"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("input_text"));
        Assert.That(messages[0]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("first question"));
        Assert.That(messages[1]!["content"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("output_text"));
        Assert.That(messages[1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(FakeLlmServer.ReplyText));
        Assert.That(messages[2]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("second question"));
        Assert.That(messages.Select(m => m!["status"]!.GetValue<string>()), Is.All.EqualTo("completed"));
        Assert.That(messages[0]!.AsObject().ContainsKey("tool_calls"), Is.True);
        Assert.That(messages[0]!["tool_calls"], Is.Null);
        var times = messages.Select(m => DateTime.Parse(m!["created_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.That(times, Is.Ordered);
    }

    [Test]
    public async Task Get_WhenUnknownOrMalformed_Returns404()
    {
        using var client = App.ClientFor();

        await (await client.GetAsync($"{ChatApi.Sessions}/{Guid.CreateVersion7()}")).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        await (await client.GetAsync($"{ChatApi.Sessions}/12345")).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
    }

    [Test]
    public async Task Get_WhenSomeoneElsesSession_Returns403AndNoMessages()
    {
        using var owner = App.ClientFor();
        using var intruder = App.ClientFor();
        var id = await owner.CreateSessionAsync();
        await owner.RunAsync(id, "private words");

        var response = await intruder.GetAsync($"{ChatApi.Sessions}/{id}");

        await response.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
    }
}
