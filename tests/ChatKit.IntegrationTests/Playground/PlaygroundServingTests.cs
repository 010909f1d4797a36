using Microsoft.IdentityModel.JsonWebTokens;

namespace ChatKit.IntegrationTests.Playground;

public sealed class PlaygroundServingTests
{
    [Test]
    public async Task Playground_IsOffByDefaultOutsideDevelopment_AndSoIsTheTokenEndpoint()
    {
        using var anonymous = AssemblySetup.App.CreateClient();

        await (await anonymous.GetAsync("/playground")).AssertErrorAsync(HttpStatusCode.NotFound, "NOT_FOUND");
        await (await anonymous.PostAsync("/api/v1/dev/token", null)).AssertErrorAsync(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Test]
    public async Task Playground_WhenEnabled_ServesItsPageScriptAndStyle_WithAStrictContentSecurityPolicy()
    {
        await using var app = ChatKitFactory.Create(null, ("PLAYGROUND_ENABLED", "true"));
        using var anonymous = app.CreateClient();

        foreach (var (path, type) in new[] { ("/playground", "text/html"), ("/playground/playground.js", "text/javascript"), ("/playground/playground.css", "text/css") })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo(type), path);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.That(csp, Does.Contain("script-src 'self'").And.Contain("connect-src 'self'").And.Not.Contain("unsafe-inline"), path);
            Assert.That((await response.Content.ReadAsByteArrayAsync()).Length, Is.GreaterThan(500), path);
        }

        // Not part of the API description: it is a page, not an endpoint.
        var document = await anonymous.GetStringAsync("/openapi/v1.json");
        Assert.That(document, Does.Not.Contain("/playground"));
    }

    [Test]
    public async Task Development_OnByDefault_AndTheTokenEndpointSignsATokenTheApiAccepts()
    {
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(null)) { EnvironmentName = "Development" };
        using var anonymous = app.CreateClient();

        Assert.That((await anonymous.GetAsync("/playground")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var user = ChatKitFactory.NewUser();
        var issued = await (await anonymous.PostAsync($"/api/v1/dev/token?sub={user}", null)).JsonAsync();
        var token = issued["data"]!["token"]!.GetValue<string>();

        Assert.That(issued["data"]!["sub"]!.GetValue<string>(), Is.EqualTo(user));
        Assert.That(new JsonWebToken(token).Alg, Is.EqualTo("HS256"));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var created = await (await client.PostAsync(ChatApi.Sessions, null)).JsonAsync();
        Assert.That(created["data"]!["user_id"]!.GetValue<string>(), Is.EqualTo(user));
        await (await anonymous.PostAsync($"/api/v1/dev/token?sub={new string('u', 129)}", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Test]
    public async Task Playground_CanBeTurnedOffInDevelopment_AndABadSwitchStopsStartUp()
    {
        await using var off = new ChatKitFactory(ChatKitFactory.Settings(null, ("PLAYGROUND_ENABLED", "false"))) { EnvironmentName = "Development" };
        Assert.That((await off.CreateClient().GetAsync("/playground")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        await using var bad = ChatKitFactory.Create(null, ("PLAYGROUND_ENABLED", "yes please"));
        var error = Assert.Throws<InvalidOperationException>(() => bad.CreateClient());
        Assert.That(error!.Message, Does.Contain("PLAYGROUND_ENABLED"));
    }
}
