using System.Text.Json.Nodes;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Native;

/// <summary>The native ChatKit endpoint end to end, over real PostgreSQL and the fake upstream.</summary>
public sealed class NativeProtocolTests
{
    private const string Endpoint = NativeApi.Endpoint;

    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static List<string> Ids(JsonNode page) => page["data"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();

    [Test]
    public async Task AWholeChatKitSession_CreateAddListGetPageRenameFeedbackRetryDelete()
    {
        using var client = App.ClientFor();
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("n1", "add_task", """{"title":"Native task"}""")), ScriptStep.Text("Added ", "it."));

        // threads.create with a tool call
        var created = await StreamAsync(client, "threads.create", new { input = Input("Add a task " + marker) });
        Assert.That(created.Types.Take(3), Is.EqualTo(new[] { "thread.created", "thread.item.done", "stream_options" }));
        var thread = created.Events[0]["thread"]!;
        var threadId = thread["id"]!.GetValue<string>();
        Assert.That(thread["status"]!["type"]!.GetValue<string>(), Is.EqualTo("active"));
        Assert.That(thread["items"]!["data"]!.AsArray(), Is.Empty);
        Assert.That(created.Types, Does.Contain("thread.updated"));
        Assert.That(created.DeltaText, Is.EqualTo("Added it."));
        Assert.That(created.Events.Any(e => e["item"]?["type"]?.GetValue<string>() == "workflow"), Is.True);
        var tasks = (await (await client.GetAsync("/api/v1/tasks")).JsonAsync())["data"]!.AsArray();
        Assert.That(tasks.Single()!["title"]!.GetValue<string>(), Is.EqualTo("Native task"));

        // threads.add_user_message
        var second = Marker();
        Upstream.Script(second, ScriptStep.Text("Second ", "answer."));
        var added = await StreamAsync(client, "threads.add_user_message", new { thread_id = threadId, input = Input("And now " + second) });
        Assert.That(added.Types.Take(2), Is.EqualTo(new[] { "thread.item.done", "stream_options" }));
        Assert.That(added.DeltaText, Is.EqualTo("Second answer."));

        // threads.list: newest first, each with an empty items page
        var list = await CallAsync(client, "threads.list");
        Assert.That(Ids(list), Is.EqualTo(new[] { threadId }));
        Assert.That(list["has_more"]!.GetValue<bool>(), Is.False);
        Assert.That(list["data"]![0]!["items"]!["data"]!.AsArray(), Is.Empty);

        // threads.get_by_id: the oldest items ascending: user, workflow, assistant, user, assistant
        var got = await CallAsync(client, "threads.get_by_id", new { thread_id = threadId });
        var types = got["items"]!["data"]!.AsArray().Select(i => i!["type"]!.GetValue<string>()).ToList();
        Assert.That(types, Is.EqualTo(new[] { "user_message", "workflow", "assistant_message", "user_message", "assistant_message" }));
        var all = Ids(got["items"]!);
        Assert.That(all[1], Does.StartWith("wf_"));
        var workflow = got["items"]!["data"]![1]!["workflow"]!["tasks"]![0]!;
        Assert.That(workflow["title"]!.GetValue<string>(), Is.EqualTo("Adding task “Native task”"));
        Assert.That(workflow["content"]!.GetValue<string>(), Is.EqualTo("Added “Native task”"), "the same words as the live stream");
        var stored = await client.MessagesAsync(threadId);
        Assert.That(all[0], Is.EqualTo(stored[0]!["id"]!.GetValue<string>()), "item ids are message ids");

        // items.list, both orders, two at a time, by item-id cursor (a wf_ id included)
        async Task<List<string>> Walk(string order)
        {
            var seen = new List<string>();
            string? after = null;
            do
            {
                var page = await CallAsync(client, "items.list", after is null ? new { thread_id = threadId, limit = 2, order } : new { thread_id = threadId, limit = 2, order, after });
                seen.AddRange(Ids(page));
                after = page["has_more"]!.GetValue<bool>() ? page["after"]!.GetValue<string>() : null;
                Assert.That(page.AsObject().ContainsKey("after"), Is.EqualTo(after is not null));
            }
            while (after is not null);
            return seen;
        }

        Assert.That(await Walk("asc"), Is.EqualTo(all));
        Assert.That(await Walk("desc"), Is.EqualTo(Enumerable.Reverse(all).ToList()));

        // threads.update
        var renamed = await CallAsync(client, "threads.update", new { thread_id = threadId, title = "  Renamed  " });
        Assert.That(renamed["title"]!.GetValue<string>(), Is.EqualTo("Renamed"));
        Assert.That((await (await client.GetAsync($"{ChatApi.Sessions}/{threadId}")).JsonAsync())["data"]!["title"]!.GetValue<string>(), Is.EqualTo("Renamed"));

        // items.feedback: stored, shown by REST
        var assistantId = all[2];
        Assert.That((await CallAsync(client, "items.feedback", new { thread_id = threadId, item_ids = new[] { assistantId }, kind = "positive" })).AsObject(), Is.Empty);
        var messages = await client.MessagesAsync(threadId);
        Assert.That(messages.Single(m => m!["id"]!.GetValue<string>() == assistantId)!["feedback"]!.GetValue<string>(), Is.EqualTo("positive"));
        Assert.That(messages[0]!["feedback"], Is.Null);
        using (var bad = await client.PostJsonAsync(Endpoint, Body("items.feedback", new { thread_id = threadId, item_ids = new[] { all[0] }, kind = "positive" })))
        {
            await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }

        // threads.retry_after_item from the second user message: later messages are set aside (kept as a branch), the turn runs again
        var secondUserItem = all[3];
        Upstream.Script(second, ScriptStep.Text("Retried ", "answer."));
        var retry = await StreamAsync(client, "threads.retry_after_item", new { thread_id = threadId, item_id = secondUserItem });
        Assert.That(retry.Types[0], Is.EqualTo("stream_options"));
        Assert.That(retry.DeltaText, Is.EqualTo("Retried answer."));
        var after = await client.MessagesAsync(threadId);
        Assert.That(after.Count(m => m!["role"]!.GetValue<string>() == "user"), Is.EqualTo(2));
        Assert.That(after[^1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("Retried answer."));
        Assert.That(after.Select(m => m!["id"]!.GetValue<string>()), Does.Not.Contain(all[4]), "the old reply is no longer shown");

        // threads.delete
        Assert.That((await CallAsync(client, "threads.delete", new { thread_id = threadId })).AsObject(), Is.Empty);
        await (await client.GetAsync($"{ChatApi.Sessions}/{threadId}")).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
    }

    [Test]
    public async Task Strangers_Get403Or404AndNothingOfTheirsIsStored()
    {
        using var owner = App.ClientFor();
        var stranger = ChatKitFactory.NewUser();
        using var other = App.ClientFor(stranger);
        var created = await StreamAsync(owner, "threads.create", new { input = Input("mine") });
        var threadId = created.Events[0]["thread"]!["id"]!.GetValue<string>();
        var userItem = created.Events[1]["item"]!["id"]!.GetValue<string>();

        foreach (var (type, parameters) in new (string, object)[]
        {
            ("threads.add_user_message", new { thread_id = threadId, input = Input("theirs") }),
            ("threads.retry_after_item", new { thread_id = threadId, item_id = userItem }),
            ("threads.get_by_id", new { thread_id = threadId }),
            ("items.list", new { thread_id = threadId }),
            ("threads.update", new { thread_id = threadId, title = "stolen" }),
            ("threads.delete", new { thread_id = threadId }),
            ("items.feedback", new { thread_id = threadId, item_ids = new[] { userItem }, kind = "negative" }),
        })
        {
            using var response = await other.PostJsonAsync(Endpoint, Body(type, parameters));
            await response.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        using (var missing = await other.PostJsonAsync(Endpoint, Body("threads.get_by_id", new { thread_id = Guid.NewGuid() })))
        {
            await missing.AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        }

        Assert.That(Ids(await CallAsync(other, "threads.list")), Is.Empty);
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = @stranger", new { stranger }), Is.Zero);
        var messages = await owner.MessagesAsync(threadId);
        Assert.That(messages.Select(m => m!["content"]![0]!["text"]!.GetValue<string>()), Does.Not.Contain("theirs"));
        Assert.That((await (await owner.GetAsync($"{ChatApi.Sessions}/{threadId}")).JsonAsync())["data"]!["title"]!.GetValue<string>(), Is.Not.EqualTo("stolen"));
    }

    [TestCase("input.transcribe")]
    [TestCase("threads.add_structured_input")]
    public async Task UnsupportedTypes_Answer400UnsupportedRequestNamingTheType(string type)
    {
        using var client = App.ClientFor();

        using var response = await client.PostJsonAsync(Endpoint, Body(type));

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "UNSUPPORTED_REQUEST");
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain(type));
    }

    [TestCase("{}")]
    [TestCase("[]")]
    [TestCase("{\"type\":\"threads.nope\"}")]
    [TestCase("{\"type\":5}")]
    [TestCase("{\"type\":\"threads.create\",\"params\":{}}")]
    [TestCase("{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[{\"type\":\"image\",\"text\":\"x\"}]}}}")]
    [TestCase("{\"type\":\"threads.list\",\"params\":{\"limit\":0}}")]
    [TestCase("{\"type\":\"threads.list\",\"params\":{\"order\":\"sideways\"}}")]
    [TestCase("{\"type\":\"items.feedback\",\"params\":{\"thread_id\":\"x\",\"item_ids\":[\"a\"],\"kind\":\"meh\"}}")]
    [TestCase("not json")]
    public async Task MalformedRequests_Answer400ValidationError(string json)
    {
        using var client = App.ClientFor();

        using var response = await client.PostJsonAsync(Endpoint, json);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Test]
    public async Task Limits_HoldAsInRest()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("MAX_SESSIONS_PER_USER", "1"), ("MAX_MESSAGE_LENGTH", "10"));
        using var client = app.ClientFor();

        using (var tooLong = await client.PostJsonAsync(Endpoint, Body("threads.create", new { input = Input("far more than ten characters") })))
        {
            await tooLong.AssertErrorAsync(HttpStatusCode.BadRequest, "MESSAGE_TOO_LONG");
        }

        using (var empty = await client.PostJsonAsync(Endpoint, Body("threads.create", new { input = Input("   ") })))
        {
            await empty.AssertErrorAsync(HttpStatusCode.BadRequest, "EMPTY_MESSAGE");
        }

        await StreamAsync(client, "threads.create", new { input = Input("one") });
        using var capped = await client.PostJsonAsync(Endpoint, Body("threads.create", new { input = Input("two") }));
        await capped.AssertErrorAsync(HttpStatusCode.TooManyRequests, "SESSION_LIMIT");
        Assert.That(Ids(await CallAsync(client, "threads.list")), Has.Count.EqualTo(1), "nothing stored for the refused ones");
    }

    [Test]
    public async Task TheTrailingSlashPath_AnswersTheSame()
    {
        using var client = App.ClientFor();

        using var response = await client.PostJsonAsync(Endpoint + "/", Body("threads.list"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task WithoutAToken_Is401Envelope()
    {
        using var anonymous = App.CreateClient();

        using var response = await anonymous.PostJsonAsync(Endpoint, Body("threads.list"));

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Test]
    public async Task ThreadsList_PagesByThreadIdInBothOrders()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("MAX_SESSIONS_PER_USER", "0"));
        using var client = app.ClientFor();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await client.CreateSessionAsync()));
        }

        var first = await CallAsync(client, "threads.list", new { limit = 2 });
        Assert.That(Ids(first), Is.EqualTo(new[] { ids[4], ids[3] }));
        var next = await CallAsync(client, "threads.list", new { limit = 2, after = first["after"]!.GetValue<string>() });
        Assert.That(Ids(next), Is.EqualTo(new[] { ids[2], ids[1] }));
        var asc = await CallAsync(client, "threads.list", new { limit = 3, order = "asc" });
        Assert.That(Ids(asc), Is.EqualTo(ids.Take(3)));
    }
}
