using ChatKit.Api.Options;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.Api.Auth;

/// <summary>
/// Which token schemes are on, and the identity provider's keys: the library's configuration manager over the discovery
/// document (<c>AUTH_AUTHORITY</c>) or the bare key set (<c>AUTH_JWKS_URL</c>). It fetches on first use (the service
/// starts while the provider is down), keeps the keys it has when a refresh fails (an outage does not fail tokens whose
/// key is cached), refreshes on an unknown <c>kid</c> at most once per kid per <c>AUTH_JWKS_REFRESH_SECONDS</c> and every two
/// seconds at most in all, and never falls back to a "last known good" set (a removed key is a revoked key).
/// </summary>
public sealed class IdentityProviderKeys : IDisposable
{
    /// <summary>How long a fetch of the provider's documents may take before it counts as down.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Keys are fetched again this often even when every token's key is known (a revoked key leaves the set).</summary>
    public static readonly TimeSpan AutomaticRefresh = TimeSpan.FromMinutes(10);

    private readonly HttpClient? _http;
    private readonly string? _issuer;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly TimeSpan _refreshInterval;
    private OpenIdConnectConfiguration? _current;
    private long _lastRefresh;

    /// <summary>The least time between two refreshes, whatever kids ask: the provider is asked at most every two seconds.</summary>
    public static readonly TimeSpan RefreshFloor = TimeSpan.FromSeconds(2);

    /// <summary>The kids that caused a refresh, and when: each unknown kid gets one refresh per <c>AUTH_JWKS_REFRESH_SECONDS</c>.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _refreshedFor = new(StringComparer.Ordinal);

    private const int RememberedKids = 10_000;

    public IdentityProviderKeys(IOptions<IdentitySettings> identity, IOptions<JwtSettings> jwt)
    {
        var id = identity.Value;
        _issuer = Hosting.Settings.NullIfBlank(id.Issuer);
        SecretEnabled = jwt.Value.KeyBytes.Length > 0;
        _refreshInterval = TimeSpan.FromSeconds(id.JwksRefreshSeconds);
        Enabled = id.Enabled;
        if (!Enabled)
        {
            return;
        }

        _http = new HttpClient { Timeout = FetchTimeout };
        var documents = new HttpDocumentRetriever(_http) { RequireHttps = !id.AllowHttp };
        var discovery = string.IsNullOrWhiteSpace(id.JwksUrl);
        var address = discovery ? id.Authority!.Trim().TrimEnd('/') + "/.well-known/openid-configuration" : id.JwksUrl!.Trim();
        IConfigurationRetriever<OpenIdConnectConfiguration> retriever = discovery
            ? new OpenIdConnectConfigurationRetriever()
            : new JwksRetriever(_issuer!);
        Manager = new ConfigurationManager<OpenIdConnectConfiguration>(address, retriever, documents, new OpenIdConnectConfigurationValidator())
        {
            // The bounds are ours (RefreshAsync): the manager's is set to its minimum, below our floor, so that a refresh we
            // decide on is never silently refused by the manager's own clock.
            RefreshInterval = TimeSpan.FromSeconds(1),
            AutomaticRefreshInterval = AutomaticRefresh,
            UseLastKnownGoodConfiguration = false,
        };
    }

    /// <summary>Tokens signed with <c>JWT_SECRET</c> are accepted.</summary>
    public bool SecretEnabled { get; }

    /// <summary>Tokens signed by the identity provider's keys are accepted.</summary>
    public bool Enabled { get; }

    public ConfigurationManager<OpenIdConnectConfiguration>? Manager { get; }

    /// <summary>Whether the provider's keys have been fetched at least once.</summary>
    public bool HasKeys => Volatile.Read(ref _current) is not null;

    /// <summary>The keys of the provider's set as last fetched (none before the first fetch).</summary>
    public IEnumerable<SecurityKey> SigningKeys => Volatile.Read(ref _current)?.SigningKeys ?? [];

    /// <summary>Whether a token's <c>iss</c> is the provider's: <c>AUTH_ISSUER</c>, else the discovery document's issuer.</summary>
    public bool Accepts(string issuer) =>
        string.Equals(issuer, _issuer ?? Volatile.Read(ref _current)?.Issuer, StringComparison.Ordinal);

    /// <summary>
    /// Before a provider token is checked: the keys in hand (fetched on first use), refreshed when the token names a key
    /// the set does not have — at most once per <c>AUTH_JWKS_REFRESH_SECONDS</c>, the manager's own bound. A provider
    /// that cannot be reached leaves the cached keys in place.
    /// </summary>
    public async Task PrepareForAsync(string? keyId, CancellationToken ct)
    {
        if (Manager is null)
        {
            return;
        }

        try
        {
            var configuration = await Manager.GetConfigurationAsync(ct).ConfigureAwait(false);
            if (keyId is not null && !configuration.SigningKeys.Any(k => k.KeyId == keyId))
            {
                configuration = await RefreshAsync(configuration, keyId, ct).ConfigureAwait(false);
            }

            Volatile.Write(ref _current, configuration);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException or TaskCanceledException)
        {
            // Unreachable with nothing cached (with keys cached the manager answers those): the token then fails for want
            // of a key, and readiness says so.
        }
    }

    /// <summary>
    /// A fresh key set for a token naming <paramref name="keyId"/>, which the set in hand lacks. Each kid gets one refresh per
    /// <c>AUTH_JWKS_REFRESH_SECONDS</c> (a junk token's made-up kid spends its own allowance, not a real rotation's), and no
    /// two refreshes are closer than <see cref="RefreshFloor"/> (a flood of made-up kids costs the provider one fetch every two
    /// seconds). The manager refreshes in the background once asked; this waits for its answer (up to the fetch timeout),
    /// so the first token signed with a rotated key is accepted rather than only the ones after it.
    /// </summary>
    private async Task<OpenIdConnectConfiguration> RefreshAsync(OpenIdConnectConfiguration held, string keyId, CancellationToken ct)
    {
        await _refreshing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var current = await Manager!.GetConfigurationAsync(ct).ConfigureAwait(false);
            var clock = TimeProvider.System;
            if (!ReferenceEquals(current, held)
                || (_refreshedFor.TryGetValue(keyId, out var askedFor) && clock.GetElapsedTime(askedFor) < _refreshInterval)
                || clock.GetElapsedTime(Interlocked.Read(ref _lastRefresh)) < RefreshFloor)
            {
                return current; // another token refreshed it meanwhile, this kid had its refresh, or the floor holds
            }

            var now = clock.GetTimestamp();
            Interlocked.Exchange(ref _lastRefresh, now);
            if (_refreshedFor.Count >= RememberedKids)
            {
                foreach (var old in _refreshedFor.Where(k => clock.GetElapsedTime(k.Value) >= _refreshInterval).ToList())
                {
                    _refreshedFor.TryRemove(old);
                }
            }

            _refreshedFor[keyId] = now;
            Manager.RequestRefresh();
            while (ReferenceEquals(current, held) && clock.GetElapsedTime(now) < FetchTimeout)
            {
                current = await Manager.GetConfigurationAsync(ct).ConfigureAwait(false);
                if (ReferenceEquals(current, held))
                {
                    await Task.Delay(20, ct).ConfigureAwait(false);
                }
            }

            return current;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Whether the provider's keys are in hand (fetched now, or cached from before); for readiness.</summary>
    public async Task<bool> HaveKeysAsync(CancellationToken ct)
    {
        if (Manager is null)
        {
            return true;
        }

        await PrepareForAsync(null, ct).ConfigureAwait(false);
        return Volatile.Read(ref _current)?.SigningKeys.Count > 0;
    }

    public void Dispose()
    {
        _http?.Dispose();
        _refreshing.Dispose();
    }
}
