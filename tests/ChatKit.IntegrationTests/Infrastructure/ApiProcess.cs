using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>
/// An API instance as a process of its own (<c>dotnet ChatKit.Api.dll</c> from the test output), sharing the test
/// PostgreSQL and Redis, for the tests about instances dying: <see cref="Kill"/> is a SIGKILL, nothing runs after it.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ApiProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts an instance named <paramref name="name"/> and waits until it answers ready.</summary>
    public static async Task<ApiProcess> StartAsync(string name, FakeLlmServer upstream, params (string Key, string Value)[] settings)
    {
        var api = Launch(name, upstream, settings);
        await api.WaitReadyAsync(name);
        return api;
    }

    /// <summary>Starts an instance without waiting for it.</summary>
    public static ApiProcess Launch(string name, FakeLlmServer upstream, params (string Key, string Value)[] settings)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ChatKit.Api.dll"));
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" })
        {
            info.Environment.Remove(inherited);
        }

        var environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = TestEnvironment.DatabaseUrl,
            ["REDIS_URL"] = TestEnvironment.RedisUrl,
            ["JWT_SECRET"] = ChatKitFactory.Secret,
            ["OPENROUTER_API_KEY"] = "sk-test-key",
            ["OPENROUTER_BASE_URL"] = upstream.BaseUrl.ToString(),
            ["OPENROUTER_MODEL"] = "fake/model",
            ["HOST"] = "127.0.0.1",
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["INSTANCE_ID"] = name,
            ["LOG_LEVEL"] = "Warning",
            ["LOG_FORMAT"] = "json",
            ["RATE_LIMIT_PER_MINUTE"] = "100000",
            ["RUN_CLAIM_SECONDS"] = "3",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => api.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => api.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return api;
    }

    /// <summary>Waits until the instance answers ready (it must not exit meanwhile).</summary>
    public async Task WaitReadyAsync(string name)
    {
        using var probe = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.That(_process.HasExited, Is.False, $"{name} exited: {Output}");
            try
            {
                using var ready = await probe.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(until), $"{name} never became ready: {Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the instance has written <paramref name="text"/> (it must not exit meanwhile).</summary>
    public async Task WaitForOutputAsync(string text)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.That(_process.HasExited, Is.False, $"exited before writing \"{text}\": {Output}");
            Assert.That(DateTime.UtcNow, Is.LessThan(until), $"never wrote \"{text}\": {Output}");
            await Task.Delay(50);
        }
    }

    public HttpClient ClientFor(string user)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(user));
        return client;
    }

    /// <summary>SIGKILL: the instance dies at once, with nothing stored, released or said.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string Token(string user) =>
        ChatKit.Api.Auth.JwtSetup.CreateToken(new ChatKit.Api.Options.JwtSettings { Secret = ChatKitFactory.Secret }, user, TimeSpan.FromMinutes(30), TimeProvider.System);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
