using System.Diagnostics;
using System.Globalization;
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

    public static async Task<YarpRelay> StartAsync(Uri upstream, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
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

/// <summary>
/// The same relay as a process of its own (<c>ChatKit.Bench relay</c>), with the service's garbage collector, so its resident
/// memory can be read apart from the benchmark's: what an open relayed stream costs this runtime with nothing of ours.
/// </summary>
public sealed class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;

    private RelayProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public static async Task<RelayProcess> StartAsync(Uri upstream)
    {
        var port = Harness.FreePort();
        var info = new ProcessStartInfo("dotnet", [typeof(RelayProcess).Assembly.Location, "relay", "--upstream", upstream.ToString(), "--port", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
        };
        info.Environment["DOTNET_gcServer"] = "0"; // as the service runs (ADR-018)
        var process = Process.Start(info)!;
        var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (ready != "ready")
        {
            process.Kill();
            throw new InvalidOperationException("The relay process did not start.");
        }

        return new RelayProcess(process, new Uri($"http://127.0.0.1:{port}{upstream.AbsolutePath}"));
    }

    public long ResidentBytes() => Harness.ResidentBytesOf(_process.Id);

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
