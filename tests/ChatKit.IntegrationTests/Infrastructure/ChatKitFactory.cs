using System.Net.Http.Headers;
using ChatKit.Api.Auth;
using ChatKit.Api.Options;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>The real application over the real test PostgreSQL, its model pointed at the fake upstream.</summary>
public sealed class ChatKitFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    public const string Secret = "integration-tests-secret-0123456789-abcdefghij";

    public static ChatKitFactory Create(FakeLlmServer? upstream, params (string Key, string? Value)[] overrides) =>
        new(Settings(upstream, overrides));

    /// <summary>The settings of a test app: the real test PostgreSQL, the fake upstream, and the overrides given.</summary>
    public static IReadOnlyDictionary<string, string?> Settings(FakeLlmServer? upstream, params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = TestEnvironment.DatabaseUrl,
            ["JWT_SECRET"] = Secret,
            ["OPENROUTER_API_KEY"] = upstream is null ? null : "sk-test-key",
            ["OPENROUTER_BASE_URL"] = upstream?.BaseUrl.ToString(),
            ["OPENROUTER_MODEL"] = "fake/model",
            ["OPENROUTER_SITE_URL"] = "https://chatkit.test",
            ["OPENROUTER_APP_NAME"] = "ChatKit Tests",
            ["LLM_TIMEOUT_SECONDS"] = "5",
            ["LOG_LEVEL"] = "Warning",
            ["LOG_FORMAT"] = "json",
            ["RATE_LIMIT_PER_MINUTE"] = "100000",

            // Apps disposed with runs still going (background runs left behind by a test) stop after 2 s, not 20.
            ["RUN_DRAIN_SECONDS"] = "2",

            // Every app in this process is an instance of its own: at start an instance recovers the runs held under its
            // name, which would be the other apps' live runs if they shared the machine's.
            ["INSTANCE_ID"] = "test-" + Guid.NewGuid().ToString("N"),
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>The host environment (Testing unless a test needs Development's defaults, such as the playground's token button).</summary>
    public string EnvironmentName { get; init; } = "Testing";

    /// <summary>Extra services for one test (an in-memory trace exporter, a log sink).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        if (TestServices is { } configure)
        {
            builder.ConfigureServices(configure);
        }

        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public string TokenFor(string sub) =>
        JwtSetup.CreateToken(new JwtSettings { Secret = Secret }, sub, TimeSpan.FromMinutes(30), TimeProvider.System);

    /// <summary>A client authenticated as a fresh user (or the one given).</summary>
    public HttpClient ClientFor(string? sub = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(sub ?? NewUser()));
        return client;
    }

    /// <summary>
    /// For a factory started with <c>UseKestrel</c>: a socket client that closes its connection as soon as a
    /// response is disposed, as a browser does on abort (HttpClient would otherwise drain it for up to 2 s).
    /// </summary>
    public HttpClient SocketClientFor(string sub)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero })
        {
            BaseAddress = ServerAddress,
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(sub));
        return client;
    }

    /// <summary>For a factory started with <c>UseKestrel</c>: where its real socket listens.</summary>
    public Uri ServerAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static string NewUser() => "user-" + Guid.NewGuid().ToString("N");
}
