namespace ChatKit.IntegrationTests.Hardening;

/// <summary>What a turn's start leaves behind when it is refused, and the order in which admitted turns are stored.</summary>
public sealed class TurnAdmissionTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private const string CreateThread =
        """{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hello"}],"attachments":[],"inference_options":{}}}}""";

    [Test]
    public async Task ThreadsCreate_RefusedByTheBudget_LeavesNoSession_AndTheSessionCapIsUntouched()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("TOKENS_PER_USER_PER_DAY", "50"), ("RUN_TOKEN_RESERVE", "0"), ("MAX_SESSIONS_PER_USER", "3"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        Assert.That((await client.RunAsync(id, "spend it")).Status, Is.EqualTo(HttpStatusCode.OK));

        for (var i = 0; i < 5; i++)
        {
            using var refused = await client.PostJsonAsync("/api/v1/chatkit", CreateThread);
            await refused.AssertErrorAsync(HttpStatusCode.TooManyRequests, "TOKEN_BUDGET_EXCEEDED");
        }

        var sessions = (await (await client.GetAsync(ChatApi.Sessions)).JsonAsync())["data"]!.AsArray();
        Assert.That(sessions.Select(s => s!["id"]!.GetValue<string>()), Is.EqualTo(new[] { id }), "no empty \"New Chat\" per refusal");
        using var another = await client.PostAsync(ChatApi.Sessions, null);
        Assert.That(another.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the cap counts only real sessions");
    }

    [Test]
    public async Task ThreadsCreate_AtTheSessionCap_IsSessionLimitAndStoresNothing()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("MAX_SESSIONS_PER_USER", "1"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();

        using var refused = await client.PostJsonAsync("/api/v1/chatkit", CreateThread);

        await refused.AssertErrorAsync(HttpStatusCode.TooManyRequests, "SESSION_LIMIT");
        Assert.That((await (await client.GetAsync(ChatApi.Sessions)).JsonAsync())["meta"]!["total"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(await client.MessagesAsync(id), Is.Empty);
    }

    [Test]
    public async Task RacingSends_AreStoredInTheOrderTheyWereAdmitted([Range(1, 6)] int trial)
    {
        using var client = AssemblySetup.App.ClientFor();
        var id = await client.CreateSessionAsync();

        // Twelve sends at once with short replies: each is admitted only once the previous reply released the session.
        var sends = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => client.RunAsync(id, $"quick #{i} #tokens=2 #gapms=0")));
        Assert.That(sends.Count(s => s.Status == HttpStatusCode.OK), Is.GreaterThan(0));

        var roles = (await client.MessagesAsync(id)).Select(m => m!["role"]!.GetValue<string>()).ToList();
        for (var i = 0; i < roles.Count; i += 2)
        {
            Assert.That(roles.Skip(i).Take(2), Is.EqualTo(new[] { "user", "assistant" }), string.Join(",", roles));
        }
    }
}
