using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatKit.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.IntegrationTests.Auth;

/// <summary>
/// Tokens from an identity provider (a real HTTP server on loopback serving discovery and a JWKS of keys it generated):
/// every accepted algorithm, every refusal of the contract, rotation, outages, and no algorithm confusion with
/// <c>JWT_SECRET</c>.
/// </summary>
public sealed class IdentityProviderTests
{
    private FakeIdentityProvider _idp = null!;

    [SetUp]
    public async Task StartProvider() => _idp = await FakeIdentityProvider.StartAsync();

    [TearDown]
    public async Task StopProvider() => await _idp.DisposeAsync();

    private ChatKitFactory App(bool withSecret = true, bool discovery = true, params (string Key, string? Value)[] more)
    {
        var settings = new List<(string, string?)>
        {
            discovery ? ("AUTH_AUTHORITY", _idp.Issuer) : ("AUTH_JWKS_URL", _idp.JwksUrl),
            ("AUTH_ISSUER", discovery ? null : _idp.Issuer),
            ("AUTH_AUDIENCE", FakeIdentityProvider.Audience),
            ("AUTH_ALLOW_HTTP", "true"),
            ("AUTH_JWKS_REFRESH_SECONDS", "1"),
            ("ATTACHMENT_URL_KEY", withSecret ? null : "0123456789abcdef0123456789abcdef"),
        };
        if (!withSecret)
        {
            settings.Add(("JWT_SECRET", string.Empty));
        }

        settings.AddRange(more);
        return ChatKitFactory.Create(null, [.. settings]);
    }

    private static async Task<HttpResponseMessage> MeAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    private static async Task AssertRefusedAsync(HttpClient client, string token, string description)
    {
        using var response = await MeAsync(client, token);
        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.Contain("invalid_token").And.Contain(description));
    }

    [TestCase("rsa-1", SecurityAlgorithms.RsaSha256)]
    [TestCase("rsa-1", SecurityAlgorithms.RsaSha384)]
    [TestCase("rsa-1", SecurityAlgorithms.RsaSha512)]
    [TestCase("rsa-1", SecurityAlgorithms.RsaSsaPssSha256)]
    [TestCase("ec-256", SecurityAlgorithms.EcdsaSha256)]
    [TestCase("ec-384", SecurityAlgorithms.EcdsaSha384)]
    public async Task EachProviderAlgorithm_IsAccepted_AndTheUserIsTheSub(string kid, string algorithm)
    {
        await using var app = App();
        using var client = app.CreateClient();
        var user = ChatKitFactory.NewUser();
        using var response = await MeAsync(client, _idp.Token(user, kid, algorithm));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var me = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!;
        Assert.That(me["user_id"]!.GetValue<string>(), Is.EqualTo(user));
        Assert.That(me["plan"]!.GetValue<string>(), Is.EqualTo("default"));
    }

    [Test]
    public async Task AKeySetWithoutDiscovery_IsAcceptedToo_AndHs256KeepsWorkingBesideIt()
    {
        await using var app = App(discovery: false);
        using var client = app.CreateClient();
        using (var provider = await MeAsync(client, _idp.Token("from-provider")))
        {
            Assert.That(provider.StatusCode, Is.EqualTo(HttpStatusCode.OK), await provider.Content.ReadAsStringAsync());
        }

        using var secret = await MeAsync(client, app.TokenFor("from-secret"));
        Assert.That(secret.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(JsonNode.Parse(await secret.Content.ReadAsStringAsync())!["data"]!["user_id"]!.GetValue<string>(), Is.EqualTo("from-secret"));
    }

    [Test]
    public async Task EveryRefusalOfTheContract_IsA401WithItsReason()
    {
        await using var app = App();
        using var client = app.CreateClient();
        var now = DateTime.UtcNow;
        await AssertRefusedAsync(client, _idp.Token("u", issuer: "https://someone-else.example"), "issuer");
        await AssertRefusedAsync(client, _idp.Token("u", audience: "another-api"), "audience");
        await AssertRefusedAsync(client, _idp.Token("u", expires: now.AddMinutes(-5), notBefore: now.AddMinutes(-30)), "expired");
        await AssertRefusedAsync(client, _idp.Token("u", notBefore: now.AddMinutes(5), expires: now.AddHours(1)), "not valid yet");
        await AssertRefusedAsync(client, _idp.Token(string.Empty), "sub claim is not a usable user id");

        // alg "none": no signature at all.
        var unsigned = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "u" },
            Issuer = _idp.Issuer,
            Audience = FakeIdentityProvider.Audience,
            Expires = now.AddHours(1),
        });
        await AssertRefusedAsync(client, unsigned, "not valid");
    }

    [Test]
    public async Task NoTokenIsCheckedWithTheOtherKindOfKey()
    {
        await using var app = App();
        using var client = app.CreateClient();
        var now = DateTime.UtcNow;
        string Hs256(byte[] secret, string? kid = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "attacker" },
            Issuer = _idp.Issuer,
            Audience = FakeIdentityProvider.Audience,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret) { KeyId = kid }, SecurityAlgorithms.HmacSha256),
        });

        // HS256 signed with the provider's public key (the classic confusion): checked against JWT_SECRET only, and fails.
        await AssertRefusedAsync(client, Hs256(_idp.PublicKeyPem("rsa-1"), "rsa-1"), "not valid");

        // A provider that publishes a symmetric key: a token naming it is still never checked by the provider's scheme.
        _idp.PublishedSymmetricKey = ("oct-1", System.Text.Encoding.UTF8.GetBytes("a-symmetric-key-the-provider-should-never-publish"));
        await AssertRefusedAsync(client, Hs256(_idp.PublishedSymmetricKey.Value.Secret, "oct-1"), "not valid");

        // The provider's kid signed by another key of its own.
        var forged = _idp.Token("u", kid: "rsa-1");
        var other = _idp.Token("u", kid: "ec-256", algorithm: SecurityAlgorithms.EcdsaSha256);
        await AssertRefusedAsync(client, forged[..forged.LastIndexOf('.')] + other[other.LastIndexOf('.')..], "not valid");

        // Without JWT_SECRET, an HS256 token meets only the provider's scheme, which takes no HS algorithm.
        await using var providerOnly = App(withSecret: false);
        using var onlyClient = providerOnly.CreateClient();
        await AssertRefusedAsync(onlyClient, app.TokenFor("someone"), "signing key");
        using var fine = await MeAsync(onlyClient, _idp.Token("u"));
        Assert.That(fine.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ARotatedKey_IsFetchedOnItsFirstToken_AndARemovedKeyIsRefusedOnceTheSetIsRefreshed()
    {
        await using var app = App();
        using var client = app.CreateClient();
        using (var before = await MeAsync(client, _idp.Token("u", kid: "rsa-1")))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // The provider rotates: rsa-2 in, rsa-1 out.
        _idp.AddKey("rsa-2", FakeIdentityProvider.RsaKey());
        _idp.RemoveKey("rsa-1");
        await Task.Delay(1100); // AUTH_JWKS_REFRESH_SECONDS=1: the unknown kid may refresh the set now
        using (var rotated = await MeAsync(client, _idp.Token("u", kid: "rsa-2")))
        {
            Assert.That(rotated.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the new key's first token");
        }

        await AssertRefusedAsync(client, _idp.Token("u", kid: "rsa-1"), "signing key");
    }

    [Test]
    public async Task UnknownKids_AreRefusedAfterARefresh_AndRefreshTheSetAtMostOncePerInterval()
    {
        await using var app = App(more: ("AUTH_JWKS_REFRESH_SECONDS", "60"));
        using var client = app.CreateClient();
        using (var first = await MeAsync(client, _idp.Token("u")))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // A key the provider never published (an attacker's, or a token from another tenant).
        _idp.AddKey("rsa-9", FakeIdentityProvider.RsaKey());
        _idp.RemoveKey("rsa-9");
        var fetched = _idp.JwksRequests;
        for (var i = 0; i < 10; i++)
        {
            await AssertRefusedAsync(client, _idp.Token("u", kid: "rsa-9"), "signing key is not known");
        }

        Assert.That(_idp.JwksRequests - fetched, Is.EqualTo(1), "ten tokens with an unknown kid: one refresh, then the bound holds");
    }

    [Test]
    public async Task AJunkTokensUnknownKid_DoesNotSpendARealRotationsRefresh()
    {
        await using var app = App(more: ("AUTH_JWKS_REFRESH_SECONDS", "60"));
        using var client = app.CreateClient();
        using (var first = await MeAsync(client, _idp.Token("u")))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        _idp.AddKey("junk", FakeIdentityProvider.RsaKey());
        _idp.RemoveKey("junk");
        await AssertRefusedAsync(client, _idp.Token("u", kid: "junk"), "signing key is not known");

        // The provider rotates within the minute: its new key's tokens are accepted within the two-second floor, not a minute.
        _idp.AddKey("rsa-2", FakeIdentityProvider.RsaKey());
        var rotated = System.Diagnostics.Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            using var response = await MeAsync(client, _idp.Token("u", kid: "rsa-2"));
            status = response.StatusCode;
        }
        while (status != HttpStatusCode.OK && rotated.Elapsed < TimeSpan.FromSeconds(10));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), "the rotated key's token");
        Assert.That(rotated.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public async Task ATokenNamingOnePublishedKeyButSignedByAnother_IsRefused()
    {
        _idp.AddKey("rsa-2", FakeIdentityProvider.RsaKey());
        await using var app = App();
        using var client = app.CreateClient();
        using (var honest = await MeAsync(client, _idp.Token("u", kid: "rsa-2")))
        {
            Assert.That(honest.StatusCode, Is.EqualTo(HttpStatusCode.OK), "both keys are published and work under their own kid");
        }

        using var forged = await MeAsync(client, _idp.Forged("u", headerKid: "rsa-1", signingKid: "rsa-2"));
        await forged.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Test]
    public async Task AProviderOutage_KeepsCachedKeysWorking_AndAStartWhileItIsDown_SaysSoInReadiness()
    {
        await using (var app = App())
        {
            using var client = app.CreateClient();
            using (var first = await MeAsync(client, _idp.Token("u")))
            {
                Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }

            _idp.Down = true;
            using var cached = await MeAsync(client, _idp.Token("u", kid: "ec-256", algorithm: SecurityAlgorithms.EcdsaSha256));
            Assert.That(cached.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a cached key works through the outage");
            using var ready = await client.GetAsync("/health/ready");
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "cached keys: still ready");
        }

        // Down from the start: the service starts; with provider tokens only, it is not ready, and says why.
        await using var cold = App(withSecret: false);
        using var coldClient = cold.CreateClient();
        using (var notReady = await coldClient.GetAsync("/health/ready"))
        {
            Assert.That(notReady.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(JsonNode.Parse(await notReady.Content.ReadAsStringAsync())!["checks"]!["identity_provider"]!.GetValue<string>(), Is.EqualTo("unhealthy"));
        }

        await AssertRefusedAsync(coldClient, _idp.Token("u"), "cannot be reached");
        _idp.Down = false;
        await Task.Delay(1100);
        using var back = await MeAsync(coldClient, _idp.Token("u"));
        Assert.That(back.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the provider is back");
        using var readyNow = await coldClient.GetAsync("/health/ready");
        Assert.That(readyNow.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ASlowProvider_FailsTheTokenInBoundedTime_NotTheRequestForever()
    {
        await using var app = App(withSecret: false);
        using var client = app.CreateClient();
        _idp.Delay = TimeSpan.FromSeconds(30);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await AssertRefusedAsync(client, _idp.Token("u"), "cannot be reached");
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
    }

    [Test]
    public async Task TheNativeAndMcpDoors_AcceptTheProvidersTokens()
    {
        await using var app = App();
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _idp.Token("door-user"));
        using var native = await client.PostAsJsonAsync("/api/v1/chatkit", new { type = "threads.list", @params = new { limit = 5 } });
        Assert.That(native.StatusCode, Is.EqualTo(HttpStatusCode.OK), await native.Content.ReadAsStringAsync());

        using var mcp = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = JsonContent.Create(new
            {
                jsonrpc = "2.0",
                id = 1,
                method = "initialize",
                @params = new { protocolVersion = "2025-06-18", capabilities = new { }, clientInfo = new { name = "t", version = "1" } },
            }),
        };
        mcp.Headers.Accept.ParseAdd("application/json");
        mcp.Headers.Accept.ParseAdd("text/event-stream");
        using var answered = await client.SendAsync(mcp);
        Assert.That(answered.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answered.Content.ReadAsStringAsync());

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _idp.Token("door-user", audience: "other"));
        using var refused = await client.PostAsJsonAsync("/api/v1/chatkit", new { type = "threads.list", @params = new { limit = 5 } });
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public void AnAuthorityOverPlainHttp_StopsTheStart_UnlessAllowed()
    {
        using var app = ChatKitFactory.Create(null, ("AUTH_AUTHORITY", _idp.Issuer), ("AUTH_AUDIENCE", FakeIdentityProvider.Audience));
        var failure = Assert.Catch(() => app.CreateClient());
        Assert.That(failure!.ToString(), Does.Contain("AUTH_AUTHORITY must use https"));
    }
}
