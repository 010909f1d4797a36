using Dapper;
using Npgsql;

namespace ChatKit.IntegrationTests.Runs;

[NonParallelizable]
public sealed class MassHangUpTests
{
    [Test]
    public async Task Run_WhenHundredsOfClientsHangUpAtOnceOnAOneConnectionPool_EveryCutReplyIsStored()
    {
        // The landed service lost most cut replies this way: each stored its reply on its own pooled connection and
        // gave up after the pool's timeout. One connection and a one-second pool timeout make that certain.
        const int Streams = 300;
        await using var app = ChatKitFactory.Create(
            AssemblySetup.Upstream,
            ("DATABASE_URL", TestEnvironment.DatabaseUrl + ";Maximum Pool Size=1;Timeout=1"),
            ("MAX_SESSIONS_PER_USER", "0"));
        app.UseKestrel(0);
        app.StartServer();
        var user = ChatKitFactory.NewUser();
        using var client = app.SocketClientFor(user);
        var responses = new List<HttpResponseMessage>();
        var sessions = new List<Guid>();
        for (var i = 0; i < Streams; i++)
        {
            var id = await client.CreateSessionAsync();
            // Long enough (100 s) that no stream ends by itself before all 300 are open, on a slow machine too.
            var response = await client.SendRunAsync(id, $"stream #tokens=2000 #gapms=50 {Guid.NewGuid()}");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && !line.Contains("text_delta", StringComparison.Ordinal))
            {
            }

            responses.Add(response);
            sessions.Add(Guid.Parse(id));
        }

        foreach (var response in responses)
        {
            response.Dispose();
        }

        var stored = 0L;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        await using var conn = new NpgsqlConnection(TestEnvironment.DatabaseUrl);
        while (DateTime.UtcNow < deadline)
        {
            stored = await conn.ExecuteScalarAsync<long>(
                "SELECT count(DISTINCT session_id) FROM messages WHERE session_id = ANY(@Ids) AND role = 'assistant' AND content->0->>'text' LIKE 'w0%'",
                new { Ids = sessions.ToArray() });
            if (stored == Streams)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.That(stored, Is.EqualTo(Streams), "every reply cut by the hang-up is stored");
        var cut = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM messages WHERE session_id = ANY(@Ids) AND role = 'assistant' AND status = 'incomplete'", new { Ids = sessions.ToArray() });
        Assert.That(cut, Is.EqualTo(Streams), "and stored as cut short");
        var claimed = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM sessions WHERE id = ANY(@Ids) AND run_claim_id IS NOT NULL", new { Ids = sessions.ToArray() });
        Assert.That(claimed, Is.Zero, "and every run claim is released with it");
    }
}
