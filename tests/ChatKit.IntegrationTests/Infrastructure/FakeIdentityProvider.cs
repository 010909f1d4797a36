using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>
/// An identity provider on loopback, as the service meets one: a real HTTP server serving an OpenID discovery document
/// and a JWKS of RSA and EC keys it generated, signing tokens with them. It can rotate its keys, publish a symmetric key
/// (a misconfigured provider), go slow, or go down.
/// </summary>
public sealed class FakeIdentityProvider : IAsyncDisposable
{
    public const string Audience = "chatkit-api";

    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly List<(string Kid, AsymmetricSecurityKey Key)> _published = [];
    private readonly Dictionary<string, AsymmetricSecurityKey> _all = [];
    private int _jwksRequests;

    private FakeIdentityProvider(WebApplication app, string baseUrl)
    {
        _app = app;
        Issuer = baseUrl;
    }

    /// <summary>The issuer, which is also the authority (discovery under it).</summary>
    public string Issuer { get; }

    public string JwksUrl => Issuer + "/jwks";

    /// <summary>Every answer fails with 503 (the provider is down).</summary>
    public bool Down { get; set; }

    /// <summary>Every answer waits this long first.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>An HS256 key published in the JWKS (kty <c>oct</c>) under this kid, when set.</summary>
    public (string Kid, byte[] Secret)? PublishedSymmetricKey { get; set; }

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    public static async Task<FakeIdentityProvider> StartAsync()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var provider = new FakeIdentityProvider(app, $"http://127.0.0.1:{port}");
        provider.AddKey("rsa-1", RsaKey());
        provider.AddKey("ec-256", new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)));
        provider.AddKey("ec-384", new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP384)));
        app.MapGet("/.well-known/openid-configuration", provider.DiscoveryAsync);
        app.MapGet("/jwks", provider.JwksAsync);
        await app.StartAsync();
        return provider;
    }

    public static RsaSecurityKey RsaKey() => new(RSA.Create(2048));

    /// <summary>Publishes a new key under <paramref name="kid"/>.</summary>
    public void AddKey(string kid, AsymmetricSecurityKey key)
    {
        key.KeyId = kid;
        lock (_gate)
        {
            _published.Add((kid, key));
            _all[kid] = key;
        }
    }

    /// <summary>Stops publishing the key (it can still sign: a token with it is what a revoked key looks like).</summary>
    public void RemoveKey(string kid)
    {
        lock (_gate)
        {
            _published.RemoveAll(k => k.Kid == kid);
        }
    }

    /// <summary>A token signed with the key <paramref name="kid"/> and <paramref name="algorithm"/>, valid for an hour unless told.</summary>
    public string Token(
        string sub, string kid = "rsa-1", string algorithm = SecurityAlgorithms.RsaSha256, string? issuer = null, string audience = Audience,
        DateTime? expires = null, DateTime? notBefore = null, IDictionary<string, object>? claims = null)
    {
        AsymmetricSecurityKey key;
        lock (_gate)
        {
            key = _all[kid];
        }

        var now = DateTime.UtcNow;
        var all = new Dictionary<string, object>(claims ?? new Dictionary<string, object>()) { ["sub"] = sub };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = all,
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = notBefore ?? now.AddMinutes(-1),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }

    /// <summary>A token whose header names <paramref name="headerKid"/> but whose signature is <paramref name="signingKid"/>'s (RSA keys).</summary>
    public string Forged(string sub, string headerKid, string signingKid)
    {
        RsaSecurityKey key;
        lock (_gate)
        {
            key = new RsaSecurityKey(((RsaSecurityKey)_all[signingKid]).Rsa) { KeyId = headerKid };
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = sub },
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The public half of the RSA key <paramref name="kid"/> as PEM: what an attacker would use as an HS256 secret.</summary>
    public byte[] PublicKeyPem(string kid)
    {
        lock (_gate)
        {
            return System.Text.Encoding.ASCII.GetBytes(((RsaSecurityKey)_all[kid]).Rsa.ExportSubjectPublicKeyInfoPem());
        }
    }

    private async Task DiscoveryAsync(HttpContext context)
    {
        if (!await AnswerAsync(context))
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = JwksUrl,
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256", "PS256", "ES256", "ES384"),
        });
    }

    private async Task JwksAsync(HttpContext context)
    {
        Interlocked.Increment(ref _jwksRequests);
        if (!await AnswerAsync(context))
        {
            return;
        }

        var keys = new JsonArray();
        lock (_gate)
        {
            foreach (var (kid, key) in _published)
            {
                keys.Add(Jwk(kid, key));
            }
        }

        if (PublishedSymmetricKey is { } oct)
        {
            keys.Add(new JsonObject { ["kty"] = "oct", ["kid"] = oct.Kid, ["use"] = "sig", ["alg"] = "HS256", ["k"] = Base64UrlEncoder.Encode(oct.Secret) });
        }

        await context.Response.WriteAsJsonAsync(new JsonObject { ["keys"] = keys });
    }

    private async Task<bool> AnswerAsync(HttpContext context)
    {
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        if (Down)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return false;
        }

        return true;
    }

    private static JsonObject Jwk(string kid, AsymmetricSecurityKey key)
    {
        if (key is RsaSecurityKey rsa)
        {
            var p = rsa.Rsa.ExportParameters(false);
            return new JsonObject { ["kty"] = "RSA", ["kid"] = kid, ["use"] = "sig", ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent) };
        }

        var ec = ((ECDsaSecurityKey)key).ECDsa.ExportParameters(false);
        var curve = ec.Q.X!.Length == 32 ? "P-256" : "P-384";
        return new JsonObject { ["kty"] = "EC", ["kid"] = kid, ["use"] = "sig", ["crv"] = curve, ["x"] = Base64UrlEncoder.Encode(ec.Q.X), ["y"] = Base64UrlEncoder.Encode(ec.Q.Y) };
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
