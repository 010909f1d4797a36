namespace ChatKit.IntegrationTests.Runs;

public sealed class RunValidationTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [TestCase("")]
    [TestCase("   ")]
    [TestCase(" \n\t ")]
    public async Task Run_WhenTextEmptyOrWhitespace_Returns400EmptyMessageAndStoresNothing(string text)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        using var response = await client.SendRunAsync(id, text);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "EMPTY_MESSAGE");
        Assert.That(await MessageCountAsync(id), Is.Zero);
    }

    [Test]
    public async Task Run_WhenExactly500CodePointsOfEmoji_IsAccepted()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, string.Concat(Enumerable.Repeat("😀", 500)));

        Assert.That(stream.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
    }

    [Test]
    public async Task Run_When501CodePointsOfEmoji_Returns400MessageTooLongWithCount()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        using var response = await client.SendRunAsync(id, string.Concat(Enumerable.Repeat("😀", 501)));

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "MESSAGE_TOO_LONG");
        Assert.That(error["message"]!.GetValue<string>(), Is.EqualTo("Message exceeds 500 character limit (received 501)"));
        Assert.That(await MessageCountAsync(id), Is.Zero);
    }

    [TestCase("{bad json")]
    [TestCase("")]
    [TestCase("[]")]
    [TestCase("{}")]
    [TestCase("""{"message":null}""")]
    [TestCase("""{"message":{}}""")]
    [TestCase("""{"message":{"content":[]}}""")]
    [TestCase("""{"message":{"content":"text"}}""")]
    [TestCase("""{"message":{"content":[{"text":5}]}}""")]
    [TestCase("""{"message":{"content":[{"type":"input_text"}]}}""")]
    [TestCase("""{"message":{"content":[null]}}""")]
    [TestCase("""{"message":{"role":"assistant","content":[{"text":"hi"}]}}""")]
    [TestCase("""{"message":{"content":[{"type":"image","text":"hi"}]}}""")]
    [TestCase("""{"message":{"content":[{"text":"hi"}]},}""")]
    public async Task Run_WhenBodyMalformedOrWrongShape_Returns400ValidationErrorNever422(string body)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var response = await client.PostJsonAsync(ChatApi.RunsOf(id), body);

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error["details"]!.AsArray(), Is.Not.Empty);
        Assert.That(await MessageCountAsync(id), Is.Zero);
    }

    [Test]
    public async Task Run_WhenPartsHaveNoTypeAndRole_JoinsThemWithNewline()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var response = await client.PostJsonAsync(ChatApi.RunsOf(id), """{"message":{"content":[{"text":" first"},{"text":"second "}]}}""");
        var stream = await ChatApi.ReadStreamAsync(response);

        Assert.That(stream.Events[0]["item"]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("first\nsecond"));
    }

    [Test]
    public async Task Run_WhenTooLongAndSessionUnknown_LengthIsCheckedFirst()
    {
        using var client = App.ClientFor();

        using var response = await client.SendRunAsync(Guid.CreateVersion7().ToString(), new string('x', 501));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "MESSAGE_TOO_LONG");
    }

    [Test]
    public async Task Run_WhenSessionUnknownOrSomeoneElses_Returns404Or403()
    {
        using var owner = App.ClientFor();
        using var intruder = App.ClientFor();
        var id = await owner.CreateSessionAsync();

        using var unknown = await owner.SendRunAsync(Guid.CreateVersion7().ToString(), "hi");
        using var malformed = await owner.SendRunAsync("not-a-uuid", "hi");
        using var forbidden = await intruder.SendRunAsync(id, "hi");

        await unknown.AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        await malformed.AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        await forbidden.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.That(await MessageCountAsync(id), Is.Zero);
    }

    [TestCase("00000000-0000-7000-8000-000000000001")]
    [TestCase("thread-1")]
    public async Task Run_WhenThreadIsNotTheSession_Returns404ThreadNotFound(string threadId)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        using var response = await client.SendRunAsync(id, "hi", threadId);

        var error = await response.AssertErrorAsync(HttpStatusCode.NotFound, "THREAD_NOT_FOUND");
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain(threadId));
    }

    [Test]
    public async Task Run_WhenSessionHoldsMaxMessages_Returns429MessageLimit()
    {
        await using var app = ChatKitFactory.Create(AssemblySetup.Upstream, ("MAX_MESSAGES_PER_SESSION", "4"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        await client.RunAsync(id, "one");
        await client.RunAsync(id, "two");

        using var response = await client.SendRunAsync(id, "three");

        await response.AssertErrorAsync(HttpStatusCode.TooManyRequests, "MESSAGE_LIMIT");
        Assert.That(await MessageCountAsync(id), Is.EqualTo(4));
    }

    private static Task<long> MessageCountAsync(string sessionId) =>
        TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM messages WHERE session_id = @id", new { id = Guid.Parse(sessionId) });
}
