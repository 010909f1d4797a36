namespace ChatKit.IntegrationTests.Hosting;

public sealed class EnvelopeAndHealthTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task UnknownRoute_Returns404Envelope()
    {
        using var client = App.ClientFor();

        await (await client.GetAsync("/api/v1/chatkit/nothing-here")).AssertErrorAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Test]
    public async Task WrongMethod_Returns405Envelope()
    {
        using var client = App.ClientFor();

        await (await client.PutAsync(ChatApi.Sessions, null)).AssertErrorAsync(HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }

    [Test]
    public async Task BadQueryValue_Returns400EnvelopeNot422()
    {
        using var client = App.ClientFor();

        var error = await (await client.GetAsync($"{ChatApi.Sessions}?limit=abc")).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error["details"]![0]!["field"]!.GetValue<string>(), Is.EqualTo("limit"));
    }

    [Test]
    public async Task Health_LiveAndReady_AnswerHealthyWithoutAuth()
    {
        using var client = App.CreateClient();

        foreach (var path in new[] { "/health/live", "/health/ready", "/health" })
        {
            var response = await client.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            Assert.That((await response.JsonAsync())["status"]!.GetValue<string>(), Is.EqualTo("healthy"), path);
        }
    }
}
