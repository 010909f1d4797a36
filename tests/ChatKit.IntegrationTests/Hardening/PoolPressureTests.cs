using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Serilog.Core;
using Serilog.Events;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>
/// Hardening II, item 3: a request that waited the pool's whole timeout for a connection, or whose statement ran past
/// its timeout, is answered 503 with Retry-After and a line of its own; neither is logged as "PostgreSQL is unreachable",
/// and readiness (on its own connection) stays 200.
/// </summary>
[NonParallelizable]
public sealed class PoolPressureTests
{
    private static (ChatKitFactory App, CapturingSink Logs) Start(params (string Key, string? Value)[] settings)
    {
        var logs = new CapturingSink();
        var app = new ChatKitFactory(ChatKitFactory.Settings(AssemblySetup.Upstream, settings))
        {
            TestServices = services => services.AddSingleton<ILogEventSink>(logs),
        };
        _ = app.Server;
        return (app, logs);
    }

    private static bool Says(CapturingSink logs, string text) => logs.Events.Any(e => e.RenderMessage().Contains(text, StringComparison.Ordinal));

    /// <summary>Holds a table in ACCESS EXCLUSIVE mode on a connection of the test's own, until disposed.</summary>
    private static async Task<NpgsqlTransaction> LockAsync(NpgsqlConnection conn, string table)
    {
        await conn.OpenAsync();
        var tx = await conn.BeginTransactionAsync();
        await using var command = new NpgsqlCommand($"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE", conn, tx);
        await command.ExecuteNonQueryAsync();
        return tx;
    }

    [Test]
    public async Task AnExhaustedPool_Is503WithRetryAfter_NotAnOutage()
    {
        var (app, logs) = Start(("DATABASE_URL", TestEnvironment.DatabaseUrl + ";Maximum Pool Size=1;Timeout=1"));
        await using var _ = app;
        using var client = app.ClientFor();
        using var anonymous = app.CreateClient();
        await client.CreateSessionAsync(); // warm: the one pooled connection exists

        await using var locker = new NpgsqlConnection(TestEnvironment.DatabaseUrl);
        var held = await LockAsync(locker, "sessions");
        Task<HttpResponseMessage> blocked;
        HttpResponseMessage refused;
        try
        {
            // The first read takes the only connection and waits on the lock; the second waits the pool's second for it.
            blocked = client.GetAsync(ChatApi.Sessions);
            await WaitUntilAsync(async () => await WaitingOnLockAsync(locker) > 0);
            refused = await client.GetAsync(ChatApi.Sessions);
            using var ready = await anonymous.GetAsync("/health/ready");
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "readiness asks PostgreSQL on its own connection");
        }
        finally
        {
            await held.RollbackAsync();
        }

        using (refused)
        {
            var error = await refused.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
            Assert.That(error["message"]!.GetValue<string>(), Does.Contain("busy"));
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
        }

        using (var first = await blocked)
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the read that held the connection finishes once the lock goes");
        }

        Assert.That(Says(logs, "no database connection within the pool's timeout"), Is.True, "its own line");
        Assert.That(Says(logs, "PostgreSQL is unreachable"), Is.False, "not an outage");
        Assert.That(logs.Events.Where(e => e.Level >= LogEventLevel.Error).Select(e => e.RenderMessage()), Is.Empty);
    }

    [Test]
    public async Task ASearchPastItsStatementTimeout_Is503WithRetryAfter_NotAnOutage()
    {
        var (app, logs) = Start();
        await using var _ = app;
        using var client = app.ClientFor();

        await using var locker = new NpgsqlConnection(TestEnvironment.DatabaseUrl);
        var held = await LockAsync(locker, "messages");
        HttpResponseMessage slow;
        try
        {
            slow = await client.GetAsync("/api/v1/chatkit/search?q=anything");
        }
        finally
        {
            await held.RollbackAsync();
        }

        using (slow)
        {
            var error = await slow.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
            Assert.That(error["message"]!.GetValue<string>(), Does.Contain("took too long"));
            Assert.That(slow.Headers.RetryAfter, Is.Not.Null);
        }

        Assert.That(Says(logs, "a statement ran past its timeout"), Is.True, "its own line");
        Assert.That(Says(logs, "PostgreSQL is unreachable"), Is.False, "not an outage");
        Assert.That((await client.GetAsync("/api/v1/chatkit/search?q=anything")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "and the next search answers");
    }

    private static async Task<long> WaitingOnLockAsync(NpgsqlConnection locker)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'sessions'::regclass", locker);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200 && !await condition(); i++)
        {
            await Task.Delay(25);
        }
    }
}
