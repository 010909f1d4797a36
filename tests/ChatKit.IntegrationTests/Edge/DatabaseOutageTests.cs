using System.Diagnostics;

namespace ChatKit.IntegrationTests.Edge;

[NonParallelizable]
public sealed class DatabaseOutageTests
{
    [Test]
    public async Task Api_WhenPostgresStopsAndReturns_Answers503FastThenRecoversWithoutRestart()
    {
        var app = AssemblySetup.App;
        using var client = app.ClientFor();
        using var anonymous = app.CreateClient();
        var id = await client.CreateSessionAsync();

        await TestEnvironment.ControlAsync("pg", "stop");
        try
        {
            var watch = Stopwatch.StartNew();
            var create = await client.PostAsync(ChatApi.Sessions, null);
            var get = await client.GetAsync($"{ChatApi.Sessions}/{id}");
            using var run = await client.SendRunAsync(id, "are you there?");
            using var export = await client.GetAsync("/api/v1/chatkit/export", HttpCompletionOption.ResponseHeadersRead);
            var elapsed = watch.Elapsed;

            var error = await create.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
            Assert.That(error["trace_id"]!.GetValue<string>(), Is.Not.Empty);
            await get.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
            await run.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
            await export.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE"); // before its first byte, not a cut 200
            Assert.That(create.Headers.RetryAfter, Is.Not.Null, "an outage says when to ask again");
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "four calls answered well before a pool timeout");
            Assert.That((await anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That((await anonymous.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            await TestEnvironment.ControlAsync("pg", "start");

            // The tests' own helper connections share Npgsql's global pool, whose idle connections the restart killed.
            Npgsql.NpgsqlConnection.ClearAllPools();
        }

        var recovered = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await client.GetAsync($"{ChatApi.Sessions}/{id}")).StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(200);
            }
        }
        while (status != HttpStatusCode.OK && recovered.Elapsed < TimeSpan.FromSeconds(15));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), "the service recovers by itself");
        Assert.That((await anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await TestContext.Out.WriteLineAsync($"recovered {recovered.Elapsed.TotalMilliseconds:0} ms after PostgreSQL was back");
    }

    [Test]
    public async Task AnInstanceStartedWhilePostgresIsDown_WaitsForIt_InsteadOfExiting()
    {
        await TestEnvironment.ControlAsync("pg", "stop");
        ApiProcess? api = null;
        try
        {
            api = ApiProcess.Launch("outage-start-" + Guid.NewGuid().ToString("N")[..8], AssemblySetup.Upstream);
            await api.WaitForOutputAsync("PostgreSQL is not reachable yet");
        }
        finally
        {
            await TestEnvironment.ControlAsync("pg", "start");
            Npgsql.NpgsqlConnection.ClearAllPools();

            // The shared app's idle connections died with the restart; the next test must not meet them first.
            ChatKit.Infrastructure.Persistence.DatabaseRecovery.Reset(AssemblySetup.App.Services);
        }

        await using (api)
        {
            await api.WaitReadyAsync("the instance started during the outage");
            using var client = api.ClientFor(ChatKitFactory.NewUser());
            Assert.That((await client.PostAsync(ChatApi.Sessions, null)).StatusCode, Is.EqualTo(HttpStatusCode.Created).Or.EqualTo(HttpStatusCode.OK));
        }
    }
}
