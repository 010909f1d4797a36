using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.IntegrationTests.Edge;

public sealed class AuthHardeningTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static readonly byte[] Key = Encoding.UTF8.GetBytes(ChatKitFactory.Secret);

    private static string Sign(Dictionary<string, object> claims, string algorithm = SecurityAlgorithms.HmacSha256, byte[]? key = null, bool setDefaults = false) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = setDefaults }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? Key), algorithm),
        });

    private static long Unix(TimeSpan offset) => DateTimeOffset.UtcNow.Add(offset).ToUnixTimeSeconds();

    private static Dictionary<string, object> Valid(string sub = "hardening-user") => new() { ["sub"] = sub, ["exp"] = Unix(TimeSpan.FromMinutes(10)) };

    private static string Unsigned(object payload)
    {
        static string B64(object o) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(o));
        return $"{B64(new { alg = "none", typ = "JWT" })}.{B64(payload)}.";
    }

    private static readonly string Expired = Sign(new() { ["sub"] = "u", ["exp"] = Unix(TimeSpan.FromMinutes(-10)) });

    public static IEnumerable<TestCaseData> RejectedTokens()
    {
        yield return new TestCaseData(Unsigned(new { sub = "mallory", exp = Unix(TimeSpan.FromMinutes(10)) }), "The token is not valid").SetName("alg none");
        yield return new TestCaseData(Sign(Valid(), SecurityAlgorithms.HmacSha384, Encoding.UTF8.GetBytes(ChatKitFactory.Secret + "-padding-to-48-bytes-x")), "The token is not valid").SetName("HS384");
        yield return new TestCaseData(Sign(Valid(), SecurityAlgorithms.HmacSha512, Encoding.UTF8.GetBytes(ChatKitFactory.Secret + ChatKitFactory.Secret)), "The token is not valid").SetName("HS512");
        yield return new TestCaseData(Sign(Valid(), key: Encoding.UTF8.GetBytes("another-secret-another-secret-another-secret")), "The token is not valid").SetName("other key");
        yield return new TestCaseData(Expired, "The token has expired").SetName("expired");
        yield return new TestCaseData(Sign(new() { ["sub"] = "u", ["exp"] = Unix(TimeSpan.FromHours(2)), ["nbf"] = Unix(TimeSpan.FromHours(1)) }), "The token is not valid").SetName("not yet valid");
        yield return new TestCaseData(Sign(new() { ["exp"] = Unix(TimeSpan.FromMinutes(10)) }), "The token's sub claim is not a usable user id").SetName("missing sub");
        yield return new TestCaseData(Sign(new() { ["sub"] = "  ", ["exp"] = Unix(TimeSpan.FromMinutes(10)) }), "The token's sub claim is not a usable user id").SetName("blank sub");
        yield return new TestCaseData(Sign(Valid(new string('s', 201))), "The token's sub claim is not a usable user id").SetName("sub over 200");
        yield return new TestCaseData(Sign(new() { ["sub"] = "u" }), "The token is not valid").SetName("missing exp");
        yield return new TestCaseData("garbage", "The token is not valid").SetName("garbage");
        yield return new TestCaseData("a.b.c", "The token is not valid").SetName("three junk segments");
    }

    [TestCaseSource(nameof(RejectedTokens))]
    public async Task Request_WithBadToken_Returns401Envelope(string token, string expected)
    {
        using var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync(ChatApi.Sessions);

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo($"Bearer error=\"invalid_token\", error_description=\"{expected}\""));
    }

    [Test]
    public async Task Request_WithoutAToken_ChallengesWithoutAnError()
    {
        using var client = App.CreateClient();

        var response = await client.GetAsync(ChatApi.Sessions);

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"), "RFC 6750: no error code when no credentials were sent");
    }

    [Test]
    public async Task Request_WithATokenListingCriticalExtensions_IsRefused()
    {
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = Valid(),
            AdditionalHeaderClaims = new Dictionary<string, object> { ["crit"] = new[] { "b64" }, ["b64"] = false },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Key), SecurityAlgorithms.HmacSha256),
        });
        using var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync(ChatApi.Sessions);

        var error = await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain("critical"));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.Contain("critical header extensions"));
    }

    [Test]
    public async Task Request_WithTokenInQueryString_Returns401()
    {
        using var client = App.CreateClient();

        var response = await client.GetAsync($"{ChatApi.Sessions}?access_token={App.TokenFor("q")}&token={App.TokenFor("q")}");

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Test]
    public async Task Request_WithLowerCaseBearerScheme_IsAccepted()
    {
        using var client = App.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "bearer " + App.TokenFor(ChatKitFactory.NewUser()));

        Assert.That((await client.GetAsync(ChatApi.Sessions)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Request_WithAuthTokenCookie_IsAcceptedAsThatUser()
    {
        var sub = ChatKitFactory.NewUser();
        using var client = App.CreateClient();
        client.DefaultRequestHeaders.Add("Cookie", "auth-token=" + App.TokenFor(sub));

        var created = await (await client.PostJsonAsync(ChatApi.Sessions, "{}")).JsonAsync();

        Assert.That(created["data"]!["user_id"]!.GetValue<string>(), Is.EqualTo(sub));
    }

    public static IEnumerable<TestCaseData> CookieRequests()
    {
        // (content type, origin, accepted)
        yield return new TestCaseData(null, "https://evil.example", false).SetName("no body, foreign origin");
        yield return new TestCaseData(null, null, false).SetName("no body, no origin");
        yield return new TestCaseData("text/plain", "https://evil.example", false).SetName("a form's content type, foreign origin");
        yield return new TestCaseData("application/x-www-form-urlencoded", null, false).SetName("form urlencoded, no origin");
        yield return new TestCaseData("application/json", null, true).SetName("JSON");
        yield return new TestCaseData(null, "http://localhost", true).SetName("no body, the service's own origin");
        yield return new TestCaseData(null, "https://app.example", true).SetName("no body, an allowed origin");
    }

    [TestCaseSource(nameof(CookieRequests))]
    public async Task CookieAuthenticatedPost_NeedsJsonOrAnAllowedOrigin(string? contentType, string? origin, bool accepted)
    {
        await using var app = ChatKitFactory.Create(null, ("CORS_ORIGINS", "https://app.example"));
        var sub = ChatKitFactory.NewUser();
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("Cookie", "auth-token=" + app.TokenFor(sub));
        using var request = new HttpRequestMessage(HttpMethod.Post, ChatApi.Sessions);
        if (contentType is not null)
        {
            request.Content = new StringContent(contentType == "application/json" ? "{}" : "title=x", Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await client.SendAsync(request);

        if (accepted)
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            return;
        }

        if (contentType is null)
        {
            await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer error=\"invalid_request\""));
        }
        else
        {
            await response.AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"); // a body that is not JSON, as before
        }

        using var owner = app.ClientFor(sub);
        var total = (await (await owner.GetAsync(ChatApi.Sessions)).JsonAsync())["meta"]!["total"]!.GetValue<int>();
        Assert.That(total, Is.Zero, "nothing created");
    }

    [Test]
    public async Task Request_WhenIssuerAndAudienceConfigured_ChecksThem()
    {
        await using var app = ChatKitFactory.Create(null, ("JWT_ISSUER", "https://id.example"), ("JWT_AUDIENCE", "chatkit"));
        using var client = app.CreateClient();
        var good = Valid();
        good["iss"] = "https://id.example";
        good["aud"] = "chatkit";
        var wrongAudience = new Dictionary<string, object>(good) { ["aud"] = "someone-else" };

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Sign(good));
        Assert.That((await client.GetAsync(ChatApi.Sessions)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Sign(wrongAudience));
        Assert.That((await client.GetAsync(ChatApi.Sessions)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Sign(Valid()));
        Assert.That((await client.GetAsync(ChatApi.Sessions)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "no issuer at all");
    }
}
