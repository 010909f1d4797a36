using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatKit.Infrastructure.Persistence;
using ChatKit.IntegrationTests.Attachments;
using ChatKit.IntegrationTests.Infrastructure;
using ChatKit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.IntegrationTests.Account;

/// <summary>
/// <c>DELETE /api/v1/me</c> erases everything of the caller and nothing of anyone else; <c>RETENTION_DAYS</c> retires
/// idle sessions in batches, on one instance at a time.
/// </summary>
public sealed class ErasureTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static async Task<HttpResponseMessage> EraseAsync(HttpClient client, object body) =>
        await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me") { Content = JsonContent.Create(body) });

    /// <summary>A user with what a user holds: two sessions with a reply each (usage, a run log in Redis), a task, an
    /// attachment, an idempotency record. The same titles for both users.</summary>
    private static async Task<(string FirstSession, string RunId)> FillAsync(ChatKitFactory app, HttpClient client)
    {
        string? first = null;
        string? runId = null;
        foreach (var title in new[] { "Holiday plans", "Groceries" })
        {
            using var created = await client.PostAsJsonAsync(ChatApi.Sessions, new { title });
            var session = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["data"]!["id"]!.GetValue<string>();
            first ??= session;
            var run = await client.RunAsync(session, "Remember the passport");
            runId ??= run.RunId;
        }

        using var task = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks") { Content = JsonContent.Create(new { title = "Buy sunscreen" }) };
        task.Headers.Add("Idempotency-Key", "task-" + Guid.NewGuid().ToString("N"));
        using (var added = await client.SendAsync(task))
        {
            Assert.That(added.IsSuccessStatusCode, Is.True);
        }

        await AttachmentFiles.CreateUploadedAsync(app, client, "ticket.png", AttachmentFiles.TinyPng, "image/png");
        return (first!, runId!);
    }

    [Test]
    public async Task Erasure_RemovesEverythingOfTheCaller_KeepsTheLedgerAnonymised_AndLeavesOthersUntouched()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("REDIS_URL", TestEnvironment.RedisUrl));
        var alice = ChatKitFactory.NewUser();
        var bob = ChatKitFactory.NewUser();
        using var onAlice = app.ClientFor(alice);
        using var onBob = app.ClientFor(bob);
        var (aliceSession, aliceRun) = await FillAsync(app, onAlice);
        var (bobSession, bobRun) = await FillAsync(app, onBob);
        var ledger = await TestEnvironment.ScalarAsync<Guid[]>("SELECT array_agg(id) FROM usage WHERE user_id = @alice", new { alice });

        using (var unconfirmed = await EraseAsync(onAlice, new { confirm = bob }))
        {
            var error = await unconfirmed.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
            Assert.That(error.ToJsonString(), Does.Contain("confirm"));
        }

        using var erased = await EraseAsync(onAlice, new { confirm = alice });
        Assert.That(erased.StatusCode, Is.EqualTo(HttpStatusCode.OK), await erased.Content.ReadAsStringAsync());
        var counts = JsonNode.Parse(await erased.Content.ReadAsStringAsync())!["data"]!;
        Assert.That(counts["sessions"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(counts["messages"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(counts["tasks"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(counts["attachments"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(counts["idempotency_keys"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(counts["usage_rows_anonymised"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(counts["run_logs"]!.GetValue<int>(), Is.GreaterThanOrEqualTo(2));

        // Nothing of Alice's is left anywhere.
        foreach (var (table, column) in new[] { ("sessions", "user_id"), ("tasks", "user_id"), ("attachments", "user_id"), ("idempotency_keys", "user_id"), ("usage", "user_id") })
        {
            Assert.That(await TestEnvironment.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE {column} = @alice", new { alice }), Is.Zero, table);
        }

        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM messages WHERE session_id = @id", new { id = Guid.Parse(aliceSession) }), Is.Zero);
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM attachment_chunks c LEFT JOIN attachments a ON a.id = c.attachment_id WHERE a.id IS NULL"), Is.Zero);
        using (var gone = await onAlice.GetAsync($"{ChatApi.Sessions}/{aliceSession}/runs/{aliceRun}/events"))
        {
            Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the run log is gone from Redis and memory");
        }

        // The ledger still counts what was spent (the daily cost cap), under a name that is not Alice's.
        Assert.That(ledger, Has.Length.EqualTo(2));
        Assert.That(
            await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM usage WHERE id = ANY(@ledger) AND user_id LIKE 'erased-%' AND user_id <> @alice", new { ledger, alice }),
            Is.EqualTo(2));

        // Bob, with the same titles and words, keeps everything.
        var bobs = JsonNode.Parse(await onBob.GetStringAsync(ChatApi.Sessions))!["data"]!.AsArray();
        Assert.That(bobs.Select(s => s!["title"]!.GetValue<string>()), Is.EquivalentTo(new[] { "Holiday plans", "Groceries" }));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM tasks WHERE user_id = @bob", new { bob }), Is.EqualTo(1));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM attachments WHERE user_id = @bob", new { bob }), Is.EqualTo(1));
        using (var bobsRun = await onBob.GetAsync($"{ChatApi.Sessions}/{bobSession}/runs/{bobRun}/events"))
        {
            Assert.That(bobsRun.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        // A second call is harmless.
        using var again = await EraseAsync(onAlice, new { confirm = alice });
        var none = JsonNode.Parse(await again.Content.ReadAsStringAsync())!["data"]!;
        Assert.That(none["sessions"]!.GetValue<int>() + none["tasks"]!.GetValue<int>() + none["usage_rows_anonymised"]!.GetValue<int>(), Is.Zero);
    }

    [Test]
    public async Task Retention_DeletesSessionsIdleTooLong_InBatches_OnOneInstanceAtATime()
    {
        await using var app = ChatKitFactory.Create(null, ("RETENTION_DAYS", "30"));
        var user = ChatKitFactory.NewUser();
        using var client = app.ClientFor(user);
        var idle = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            idle.Add(Guid.Parse(await client.CreateSessionAsync()));
        }

        var fresh = Guid.Parse(await client.CreateSessionAsync());
        await TestEnvironment.ScalarAsync<int>("UPDATE sessions SET updated_at = now() - interval '31 days' WHERE id = ANY(@idle) RETURNING 1", new { idle = idle.ToArray() });
        var sweeper = app.Services.GetRequiredService<RetentionSweeper>();

        // Another instance sweeping holds the lock: this one skips the round.
        await using (var other = new Npgsql.NpgsqlConnection(TestEnvironment.DatabaseUrl))
        {
            await other.OpenAsync();
            await using var tx = await other.BeginTransactionAsync();
            await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('retention', 0))", other, tx))
            {
                await take.ExecuteScalarAsync();
            }

            Assert.That(await sweeper.SweepOnceAsync(CancellationToken.None), Is.Null);
        }

        Assert.That(await sweeper.SweepOnceAsync(CancellationToken.None), Is.GreaterThanOrEqualTo(3));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE id = ANY(@idle)", new { idle = idle.ToArray() }), Is.Zero);
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE id = @fresh", new { fresh }), Is.EqualTo(1));
    }

    [Test]
    public async Task AnErasureWhileAReplyIsWritten_IsRefused409_AndOnceItEndsNothingCarriesTheName()
    {
        var alice = ChatKitFactory.NewUser();
        using var client = AssemblySetup.App.ClientFor(alice);
        var session = await client.CreateSessionAsync();
        using var running = await client.SendRunAsync(session, "#tokens=40 #gapms=25 a long one " + Guid.NewGuid());

        using (var refused = await EraseAsync(client, new { confirm = alice }))
        {
            await refused.AssertErrorAsync(HttpStatusCode.Conflict, "RUN_IN_PROGRESS");
            Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
        }

        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = @alice", new { alice }), Is.EqualTo(1), "nothing erased");
        await ChatApi.ReadStreamAsync(running);
        using var erased = await EraseAsync(client, new { confirm = alice });
        Assert.That(erased.StatusCode, Is.EqualTo(HttpStatusCode.OK), await erased.Content.ReadAsStringAsync());
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM usage WHERE user_id = @alice", new { alice }), Is.Zero, "no usage row under the name");
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = @alice", new { alice }), Is.Zero);
    }
}
