namespace ChatKit.IntegrationTests.Edge;

public sealed class ProxyAndCorsTests
{
    [Test]
    public async Task AnonymousRequests_WithoutTrustedProxies_XForwardedForCannotEscapeTheIpLimit()
    {
        await using var app = ChatKitFactory.Create(null, ("RATE_LIMIT_PER_MINUTE", "3"));
        app.UseKestrel(0);
        app.StartServer();
        using var client = app.SocketClientFor("ignored");
        client.DefaultRequestHeaders.Authorization = null;

        for (var i = 0; i < 3; i++)
        {
            Assert.That((await Get(client, "10.0.0." + i)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        await (await Get(client, "10.9.9.9")).AssertErrorAsync(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
    }

    [Test]
    public async Task AnonymousRequests_FromATrustedProxy_AreLimitedPerForwardedClient()
    {
        await using var app = ChatKitFactory.Create(null, ("RATE_LIMIT_PER_MINUTE", "3"), ("TRUSTED_PROXIES", "127.0.0.1, ::1"));
        app.UseKestrel(0);
        app.StartServer();
        using var client = app.SocketClientFor("ignored");
        client.DefaultRequestHeaders.Authorization = null;

        for (var i = 0; i < 3; i++)
        {
            Assert.That((await Get(client, "203.0.113.7")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        await (await Get(client, "203.0.113.7")).AssertErrorAsync(HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.That((await Get(client, "198.51.100.2")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "another client behind the proxy");
    }

    [TestCase("""["https://app.example", "http://localhost:3000"]""")]
    [TestCase("https://app.example,http://localhost:3000")]
    public async Task Cors_AllowsConfiguredOriginsWithCredentialsAndRefusesOthers(string origins)
    {
        await using var app = ChatKitFactory.Create(null, ("CORS_ORIGINS", origins));
        using var client = app.CreateClient();

        var allowed = await client.SendAsync(Preflight("https://app.example"));
        var refused = await client.SendAsync(Preflight("https://evil.example"));
        var actual = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        actual.Headers.Add("Origin", "http://localhost:3000");
        var simple = await client.SendAsync(actual);

        Assert.That(allowed.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("https://app.example"));
        Assert.That(allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single(), Is.EqualTo("true"));
        Assert.That(allowed.Headers.GetValues("Access-Control-Allow-Methods").Single(), Does.Contain("DELETE"));
        Assert.That(allowed.Headers.GetValues("Access-Control-Allow-Headers").Single().ToLowerInvariant(), Does.Contain("authorization"));
        Assert.That(refused.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
        Assert.That(simple.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("http://localhost:3000"));
    }

    [Test]
    public async Task Cors_LetsABrowserReadTheRunIdAndTheRateLimitHeaders()
    {
        await using var app = ChatKitFactory.Create(AssemblySetup.Upstream, ("CORS_ORIGINS", "https://app.example"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, ChatApi.RunsOf(id)) { Content = System.Net.Http.Json.JsonContent.Create(ChatApi.MessageBody("cors")) };
        request.Headers.Add("Origin", "https://app.example");

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsStringAsync();

        var exposed = response.Headers.GetValues("Access-Control-Expose-Headers").Single().Split(',').Select(h => h.Trim()).ToList();
        Assert.That(exposed, Is.SupersetOf(new[] { "X-Run-Id", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining" }));
        Assert.That(response.Headers.Contains("X-Run-Id"), Is.True);
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, ChatApi.Sessions);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "DELETE");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private static Task<HttpResponseMessage> Get(HttpClient client, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ChatApi.Sessions);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }
}
