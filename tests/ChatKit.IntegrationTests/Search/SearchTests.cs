using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatKit.Infrastructure.Persistence;
using ChatKit.IntegrationTests.Infrastructure;
using ChatKit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.IntegrationTests.Search;

/// <summary><c>GET /api/v1/chatkit/search</c>: the caller's messages and tasks by full text, escaped snippets, keyset pages.</summary>
public sealed class SearchTests
{
    private const string Search = "/api/v1/chatkit/search";

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static async Task<JsonNode> SearchAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"{Search}?{query}");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        return body;
    }

    private static List<JsonNode> Hits(JsonNode body) => body["data"]!.AsArray().Select(h => h!).ToList();

    [Test]
    public async Task Search_FindsOnlyTheCallersMessages_WithEscapedMarkedSnippets_AndWebSearchSyntax()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        var alice = ChatKitFactory.NewUser();
        var bob = ChatKitFactory.NewUser();
        using var onAlice = app.ClientFor(alice);
        using var onBob = app.ClientFor(bob);
        var words = new[] { "The quarterly <b>budget</b> & forecast", "Budget meeting moved to Friday", "Lunch with the design team" };
        var aliceSession = await onAlice.CreateSessionAsync();
        var bobSession = await onBob.CreateSessionAsync();
        foreach (var text in words)
        {
            await onAlice.RunAsync(aliceSession, text);
            await onBob.RunAsync(bobSession, text);
        }

        var budget = Hits(await SearchAsync(onAlice, "q=budget"));
        Assert.That(budget, Has.Count.EqualTo(2), "both of Alice's budget messages, none of Bob's identical ones");
        Assert.That(budget.All(h => h["session_id"]!.GetValue<string>() == aliceSession), Is.True);
        Assert.That(budget[0]["snippet"]!.GetValue<string>(), Is.EqualTo("<mark>Budget</mark> meeting moved to Friday"), "newest first");
        Assert.That(budget[1]["snippet"]!.GetValue<string>(), Does.Contain("&lt;b&gt;<mark>budget</mark>&lt;/b&gt; &amp; forecast"));
        Assert.That(budget[1]["type"]!.GetValue<string>(), Is.EqualTo("message"));
        Assert.That(budget[1]["role"]!.GetValue<string>(), Is.EqualTo("user"));
        Assert.That(budget[1]["session_title"]!.GetValue<string>(), Does.StartWith("The quarterly"));
        Assert.That(budget[1]["match"]!.GetValue<string>(), Is.EqualTo("fulltext"));

        Assert.That(Hits(await SearchAsync(onAlice, "q=" + Uri.EscapeDataString("\"quarterly budget\""))), Has.Count.EqualTo(1), "a phrase");
        Assert.That(Hits(await SearchAsync(onAlice, "q=" + Uri.EscapeDataString("budget -friday"))), Has.Count.EqualTo(1), "an excluded word");
        Assert.That(Hits(await SearchAsync(onAlice, "q=" + Uri.EscapeDataString("lunch or forecast"))), Has.Count.EqualTo(2), "or");
        var replies = Hits(await SearchAsync(onAlice, "q=reply"));
        Assert.That(replies, Has.Count.EqualTo(3), "the assistant's words are found too");
        Assert.That(replies.All(h => h["role"]!.GetValue<string>() == "assistant"), Is.True);

        // A message holding markup comes back inert whatever it holds, including the marker tag itself.
        await onAlice.RunAsync(aliceSession, "<mark>injected</mark><script>alert(1)</script>");
        var injected = Hits(await SearchAsync(onAlice, "q=injected")).Single()["snippet"]!.GetValue<string>();
        Assert.That(injected, Does.Contain("&lt;mark&gt;<mark>injected</mark>&lt;/mark&gt;&lt;script&gt;"));
        Assert.That(injected, Does.Not.Contain("<script>"));

        // A word between tags is a word: found by full text (PostgreSQL's parser would skip a script element's content),
        // in a message and in a task's title alike.
        await onAlice.RunAsync(aliceSession, "<script>kiwiX</script>");
        Assert.That(Hits(await SearchAsync(onAlice, "q=kiwiX")).Select(h => h["match"]!.GetValue<string>()), Is.EqualTo(new[] { "fulltext" }));
        using (var task = await onAlice.PostAsync("/api/v1/tasks", System.Net.Http.Json.JsonContent.Create(new { title = "<script>kiwiY</script>" })))
        {
            Assert.That((int)task.StatusCode, Is.LessThan(300), await task.Content.ReadAsStringAsync());
        }

        Assert.That(Hits(await SearchAsync(onAlice, "q=kiwiY&types=tasks")), Has.Count.EqualTo(1), "a task titled in markup");

        // A typo finds nothing by full text, then the similar words.
        var typo = Hits(await SearchAsync(onAlice, "q=forcast"));
        Assert.That(typo.Select(h => h["match"]!.GetValue<string>()), Is.EqualTo(new[] { "similar" }));
        Assert.That(typo[0]["snippet"]!.GetValue<string>(), Does.Contain("forecast"));
        Assert.That(Hits(await SearchAsync(onBob, "q=injected")), Is.Empty, "Bob never sent it");
    }

    [Test]
    public async Task Search_PagesByKeyset_FindsTasksWhenAsked_AndRefusesABadQuery()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        var user = ChatKitFactory.NewUser();
        using var client = app.ClientFor(user);
        var session = await client.CreateSessionAsync();
        for (var i = 0; i < 5; i++)
        {
            await client.RunAsync(session, $"invoice number {i}");
        }

        using (var task = await client.PostAsJsonAsync("/api/v1/tasks", new { title = "Pay the invoice", description = "before the 5th", tags = new[] { "money" } }))
        {
            Assert.That(task.IsSuccessStatusCode, Is.True);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var body = await SearchAsync(client, "q=invoice&limit=2" + (cursor is null ? string.Empty : "&after=" + cursor));
            seen.AddRange(Hits(body).Select(h => h["snippet"]!.GetValue<string>()));
            cursor = body["meta"]?["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        Assert.That(seen, Is.EqualTo(Enumerable.Range(0, 5).Reverse().Select(i => $"<mark>invoice</mark> number {i}")), "every message once, newest first");

        var tasks = Hits(await SearchAsync(client, "q=invoice&types=tasks"));
        Assert.That(tasks.Select(h => h["type"]!.GetValue<string>()), Is.EqualTo(new[] { "task" }));
        Assert.That(tasks[0]["title"]!.GetValue<string>(), Is.EqualTo("Pay the invoice"));
        Assert.That(tasks[0]["snippet"]!.GetValue<string>(), Does.Contain("<mark>invoice</mark>"));
        var both = Hits(await SearchAsync(client, "q=invoice&types=messages,tasks"));
        Assert.That(both, Has.Count.EqualTo(6));
        Assert.That(both[0]["type"]!.GetValue<string>(), Is.EqualTo("task"), "the task is the newest");
        Assert.That(Hits(await SearchAsync(client, "q=money&types=tasks")), Has.Count.EqualTo(1), "a task's tags are its words");

        // Words the parser drops (punctuation alone) make an empty query: nothing matches, and nothing fails.
        Assert.That(Hits(await SearchAsync(client, "q=" + Uri.EscapeDataString("!!! ??"))).Where(h => h["match"]!.GetValue<string>() == "fulltext"), Is.Empty);

        foreach (var bad in new[] { "q=", "q=%20%20", "q=" + new string('a', 201), "q=x&types=files", "q=x&limit=51", "q=x&after=nope" })
        {
            using var response = await client.GetAsync($"{Search}?{bad}");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), bad);
            Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("VALIDATION_ERROR"));
        }

        using var anonymous = app.CreateClient();
        using var refused = await anonymous.GetAsync($"{Search}?q=invoice");
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task MessagesWrittenBeforeSearchExisted_AreFilledInByTheBackfill_ThenTheIndexIsBuilt()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        var user = ChatKitFactory.NewUser();
        using var client = app.ClientFor(user);
        var session = await client.CreateSessionAsync();
        await client.RunAsync(session, "an archived walrus");

        // As a row written before migration 0012: no owner, no vector (an update of other columns leaves the trigger alone).
        await TestEnvironment.ScalarAsync<int>(
            "UPDATE messages SET user_id = NULL, search = NULL WHERE session_id = @id RETURNING 1", new { id = Guid.Parse(session) });
        await TestEnvironment.ScalarAsync<int>("DROP INDEX IF EXISTS ix_messages_search");
        Assert.That(Hits(await SearchAsync(client, "q=walrus")).Where(h => h["match"]!.GetValue<string>() == "fulltext"), Is.Empty);

        Assert.That(await app.Services.GetRequiredService<SearchBackfill>().CompleteOnceAsync(CancellationToken.None), Is.True);
        Assert.That(await TestEnvironment.ScalarAsync<bool>(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('ix_messages_search')"), Is.True);
        Assert.That(Hits(await SearchAsync(client, "q=walrus")).Single()["snippet"]!.GetValue<string>(), Is.EqualTo("an archived <mark>walrus</mark>"));
    }
}
