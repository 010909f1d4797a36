[assembly: NUnit.Framework.FixtureLifeCycle(NUnit.Framework.LifeCycle.SingleInstance)]

namespace ChatKit.IntegrationTests;

/// <summary>One fake upstream and one application for the whole run; tests isolate themselves with fresh users.</summary>
[SetUpFixture]
public sealed class AssemblySetup
{
    public static FakeLlmServer Upstream { get; private set; } = null!;

    public static ChatKitFactory App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // This one process hosts the app, the fake upstream and the clients on a 2-core machine; with the default
        // minimum of 2 pool threads, callbacks such as Kestrel's connection-closed notice queue behind the
        // pool's slow thread injection and timings measure the test host, not the service.
        ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount), Math.Max(32, Environment.ProcessorCount));
        Upstream = await FakeLlmServer.StartAsync();
        App = ChatKitFactory.Create(Upstream);
        _ = App.Server; // start now: migrations run, configuration is validated
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await App.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
