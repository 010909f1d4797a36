using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace ChatKit.Bench;

/// <summary>
/// A pass-through reverse proxy built on YARP in front of the fake upstream: what relaying a stream alone costs on
/// this runtime, with no auth, no database and no JSON of our own. The API's figures are read against it.
/// </summary>
public sealed class YarpRelay : IAsyncDisposable
{
    private readonly WebApplication _app;

    private YarpRelay(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public static async Task<YarpRelay> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "{**rest}" } }],
            [new ClusterConfig
            {
                ClusterId = "upstream",
                Destinations = new Dictionary<string, DestinationConfig> { ["fake"] = new() { Address = upstream.GetLeftPart(UriPartial.Authority) } },
            }]);
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync();
        return new YarpRelay(app, new Uri(app.Urls.First() + upstream.AbsolutePath));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
