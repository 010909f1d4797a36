using Dapper;
using Npgsql;

namespace ChatKit.IntegrationTests.Usage;

/// <summary>The usage ledger against what the fake upstream reported, and the daily budgets (contract: usage-and-telemetry.md).</summary>
public sealed class UsageAndBudgetTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static async Task<List<(int Prompt, int Completion, int Total, decimal? Cost, bool Estimated)>> LedgerAsync(string sessionId)
    {
        await using var conn = new NpgsqlConnection(TestEnvironment.DatabaseUrl);
        var rows = await conn.QueryAsync<(int, int, int, decimal?, bool)>(
            "SELECT prompt_tokens, completion_tokens, total_tokens, cost_usd, estimated FROM usage WHERE session_id = @Id ORDER BY created_at",
            new { Id = Guid.Parse(sessionId) });
        return rows.ToList();
    }

    [Test]
    public async Task Ledger_RecordsEachModelCallAsTheUpstreamReportedIt_AndUsageSumsIt()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = "#script-" + Guid.NewGuid().ToString("N");
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("l1", "list_tags", "{}")), ScriptStep.Text("a", "b"));

        await client.RunAsync(id, "plain");
        await client.RunAsync(id, "tool " + marker);

        var ledger = await LedgerAsync(id);
        var plain = FakeLlmServer.ReplyChunks.Length;
        Assert.That(ledger, Is.EqualTo(new[]
        {
            (42, plain, 42 + plain, (decimal?)FakeLlmServer.CostOf(42 + plain), false),
            (42, 6, 48, (decimal?)FakeLlmServer.CostOf(48), false),
            (42, 7, 49, (decimal?)FakeLlmServer.CostOf(49), false),
        }));
        var session = (await (await client.GetAsync($"{ChatApi.Sessions}/{id}")).JsonAsync())["data"]!["usage"]!;
        Assert.That(session["total_tokens"]!.GetValue<long>(), Is.EqualTo(ledger.Sum(l => l.Total)));
        Assert.That(session["cost_usd"]!.GetValue<decimal>(), Is.EqualTo(ledger.Sum(l => l.Cost)));

        var usage = (await (await client.GetAsync("/api/v1/chatkit/usage?days=7")).JsonAsync())["data"]!;
        Assert.That(usage["today"]!["runs"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(usage["today"]!["prompt_tokens"]!.GetValue<long>(), Is.EqualTo(126));
        Assert.That(usage["today"]!["total_tokens"]!.GetValue<long>(), Is.EqualTo(ledger.Sum(l => l.Total)));
        Assert.That(usage["today"]!["date"]!.GetValue<string>(), Is.EqualTo(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(usage["days"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(usage["budget"]!["tokens_per_day"], Is.Null);
        Assert.That(usage["budget"]!["resets_at"]!.GetValue<string>(), Does.EndWith("T00:00:00Z"));
    }

    [Test]
    public async Task Ledger_WhenTheUpstreamReportedNoUsage_RecordsAnEstimateMarkedAsSuch()
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        await client.RunAsync(id, "cut me short #cut3");

        var entry = (await LedgerAsync(id)).Single();
        Assert.That(entry.Estimated, Is.True);
        Assert.That(entry.Cost, Is.Null);
        Assert.That(entry.Prompt, Is.GreaterThan(0));
        Assert.That(entry.Completion, Is.EqualTo((string.Concat(FakeLlmServer.ReplyChunks.Take(3)).Length + 3) / 4));
        Assert.That(entry.Total, Is.EqualTo(entry.Prompt + entry.Completion));
    }

    [TestCase("cost", false)]
    [TestCase("negative", true)]
    [TestCase("huge", true)]
    [TestCase("text", true)]
    [TestCase("detail", true)]
    public async Task OddUsageFromTheUpstream_IsDroppedAndMarked_AndTheReplyIsStored(string odd, bool estimated)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();

        var stream = await client.RunAsync(id, "#oddusage=" + odd);

        Assert.That(stream.Types, Does.Not.Contain("error"));
        Assert.That(stream.DeltaText, Is.EqualTo(FakeLlmServer.ReplyText));
        var reply = (await client.MessagesAsync(id)).Last()!;
        Assert.That(reply["role"]!.GetValue<string>(), Is.EqualTo("assistant"));
        Assert.That(reply["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(reply["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(FakeLlmServer.ReplyText));
        var entry = (await LedgerAsync(id)).Single();
        Assert.That(entry.Estimated, Is.EqualTo(estimated), "a dropped count is estimated, and marked so");
        Assert.That(entry.Cost, Is.Null);
        Assert.That(entry.Prompt, Is.GreaterThanOrEqualTo(0));
    }

    [Test]
    public async Task TokenBudget_WhenSpent_RefusesTheNextRunWith429AndRetryAfter_RestAndNativeAlike()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("TOKENS_PER_USER_PER_DAY", "50"), ("RUN_TOKEN_RESERVE", "0"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();

        var first = await client.RunAsync(id, "spend it");
        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK));

        using var second = await client.SendRunAsync(id, "one more");
        var error = await second.AssertErrorAsync(HttpStatusCode.TooManyRequests, "TOKEN_BUDGET_EXCEEDED");
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain("50").And.Contain("UTC"));
        var retryAfter = int.Parse(second.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var toMidnight = (DateTime.UtcNow.Date.AddDays(1) - DateTime.UtcNow).TotalSeconds;
        Assert.That(retryAfter, Is.InRange(toMidnight - 5, toMidnight + 5));

        using var native = await client.PostJsonAsync("/api/v1/chatkit", "{\"type\":\"threads.add_user_message\",\"params\":{\"thread_id\":\"" + id + "\",\"input\":{\"content\":[{\"type\":\"input_text\",\"text\":\"again\"}],\"attachments\":[],\"inference_options\":{}}}}");
        await native.AssertErrorAsync(HttpStatusCode.TooManyRequests, "TOKEN_BUDGET_EXCEEDED");
        Assert.That((await client.MessagesAsync(id)).Count, Is.EqualTo(2), "nothing stored for the refused runs");
        var usage = (await (await client.GetAsync("/api/v1/chatkit/usage")).JsonAsync())["data"]!["budget"]!;
        Assert.That(usage["tokens_per_day"]!.GetValue<int>(), Is.EqualTo(50));
        Assert.That(usage["remaining_today"]!.GetValue<long>(), Is.Zero);
    }

    [Test]
    public async Task TokenBudget_ManyConcurrentStartsAgainstAnAlmostSpentBudget_LetExactlyOneThrough()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("TOKENS_PER_USER_PER_DAY", "1000"), ("RUN_TOKEN_RESERVE", "2000"), ("MAX_SESSIONS_PER_USER", "0"));
        var user = ChatKitFactory.NewUser();
        using var client = app.ClientFor(user);
        await using (var conn = new NpgsqlConnection(TestEnvironment.DatabaseUrl))
        {
            // 990 of 1000 tokens already spent today.
            await conn.ExecuteAsync(
                "INSERT INTO usage VALUES (@Id, @User, @Id, @Id, 'fake/model', 900, 90, 990, NULL, false, now())", new { Id = Guid.NewGuid(), User = user });
        }

        var sessions = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            sessions.Add(await client.CreateSessionAsync());
        }

        var answers = await Task.WhenAll(sessions.Select(s => client.SendRunAsync(s, "#slow race " + Guid.NewGuid())));

        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.OK), Is.EqualTo(1), "the first start reserves more than is left");
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests), Is.EqualTo(19));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    [Test]
    public async Task DailyCostLimit_WhenReached_PausesEveryoneWith503AndRetryAfter()
    {
        await using (var conn = new NpgsqlConnection(TestEnvironment.DatabaseUrl))
        {
            var today = await conn.ExecuteScalarAsync<decimal>("SELECT coalesce(sum(cost_usd), 0) FROM usage WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'");
            await using var app = ChatKitFactory.Create(Upstream, ("MAX_COST_PER_DAY_USD", (today + 0.00001m).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            using var client = app.ClientFor();
            var id = await client.CreateSessionAsync();
            var first = await client.RunAsync(id, "spend the last cent");
            Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK));

            using var someoneElse = app.ClientFor();
            var theirs = await someoneElse.CreateSessionAsync();
            using var refused = await someoneElse.SendRunAsync(theirs, "hello");

            var error = await refused.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "DAILY_COST_LIMIT");
            Assert.That(error["message"]!.GetValue<string>(), Is.EqualTo("The assistant is paused until 00:00 UTC: the daily spending limit was reached."));
            Assert.That(refused.Headers.Contains("Retry-After"), Is.True);
            Assert.That(await someoneElse.MessagesAsync(theirs), Is.Empty);
        }
    }
}
