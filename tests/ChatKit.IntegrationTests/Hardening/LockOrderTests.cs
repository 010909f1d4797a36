using Dapper;
using Npgsql;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>
/// Hardening II, item 2: without Redis, a burst of streams makes starts (the session locked), turn ends (checkpoint
/// deleted, session updated) and the batched checkpoint tick (checkpoints upserted, the session key-shared) meet on the
/// same rows. They take them in one order (ADR-028), so PostgreSQL never has to break a deadlock among them.
/// </summary>
[NonParallelizable]
public sealed class LockOrderTests
{
    [Test]
    public async Task ManyStartsEndsAndCheckpointTicksAtOnce_NeverDeadlock()
    {
        const int Users = 40;
        const int TurnsEach = 3;
        await using var conn = new NpgsqlConnection(TestEnvironment.DatabaseUrl);
        var others = await BackendsAsync(conn);
        var before = await DeadlocksAsync(conn);
        var sessions = new Guid[Users];
        var app = ChatKitFactory.Create(AssemblySetup.Upstream, ("RUN_CHECKPOINT_SECONDS", "1"));
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Users).Select(async u =>
            {
                using var client = app.ClientFor();
                var id = await client.CreateSessionAsync();
                sessions[u] = Guid.Parse(id);
                for (var t = 0; t < TurnsEach; t++)
                {
                    // About a second and a half of streaming: every turn sees a checkpoint tick, and ends beside other starts.
                    var turn = await client.RunAsync(id, $"go #tokens=30 #gapms={40 + u % 7} {Guid.NewGuid()}");
                    Assert.That(turn.Types, Does.Not.Contain("error"), string.Join("\n", turn.Data));
                }
            }));
        }
        finally
        {
            await app.DisposeAsync();
        }

        // A backend counts its deadlocks in the statistics when it exits: wait for the app's connections to be gone.
        NpgsqlConnection.ClearAllPools();
        for (var i = 0; i < 100 && await BackendsAsync(conn) > others; i++)
        {
            await Task.Delay(50);
        }

        Assert.That(await DeadlocksAsync(conn) - before, Is.Zero, "deadlocks PostgreSQL detected during the burst");
        var replies = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM messages WHERE session_id = ANY(@Ids) AND role = 'assistant' AND status = 'completed'", new { Ids = sessions });
        Assert.That(replies, Is.EqualTo(Users * TurnsEach), "every reply stored");
        var left = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM run_checkpoints c JOIN sessions s ON s.id = c.session_id WHERE s.id = ANY(@Ids)", new { Ids = sessions });
        Assert.That(left, Is.Zero, "every checkpoint went with its run's end");
    }

    private static Task<long> DeadlocksAsync(NpgsqlConnection conn) =>
        conn.ExecuteScalarAsync<long>("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");

    private static Task<long> BackendsAsync(NpgsqlConnection conn) =>
        conn.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
}
