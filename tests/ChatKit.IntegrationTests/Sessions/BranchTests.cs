using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatKit.IntegrationTests.Infrastructure;
using ChatKit.Testing;

namespace ChatKit.IntegrationTests.Sessions;

/// <summary>Edits and retries keep the old branch; the session and the prompt follow the active one; activate switches.</summary>
public sealed class BranchTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static string Text(JsonNode message) => message["content"]![0]!["text"]!.GetValue<string>();

    private static async Task<JsonNode> SessionAsync(HttpClient client, string sessionId) =>
        (await (await client.GetAsync($"{ChatApi.Sessions}/{sessionId}")).JsonAsync())["data"]!;

    private static Task<HttpResponseMessage> SendEditAsync(HttpClient client, string sessionId, string messageId, string text) =>
        client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"{ChatApi.Sessions}/{sessionId}/messages/{messageId}/edit") { Content = JsonContent.Create(ChatApi.MessageBody(text)) },
            HttpCompletionOption.ResponseHeadersRead);

    private static async Task<SseStream> EditAsync(HttpClient client, string sessionId, string messageId, string text)
    {
        using var response = await SendEditAsync(client, sessionId, messageId, text);
        return await ChatApi.ReadStreamAsync(response);
    }

    private static async Task<HttpResponseMessage> ActivateAsync(HttpClient client, string sessionId, string messageId) =>
        await client.PostAsync($"{ChatApi.Sessions}/{sessionId}/messages/{messageId}/activate", null);

    [Test]
    public async Task AnEdit_StartsABranch_ThePromptHoldsOnlyIt_TheOldOneIsKept_AndActivateSwitchesBothWays()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        using var client = app.ClientFor();
        var session = await client.CreateSessionAsync();
        var first = NativeApi.Marker();
        var second = NativeApi.Marker();
        var edited = NativeApi.Marker();
        Upstream.Script(first, ScriptStep.Text("Answer one."));
        Upstream.Script(second, ScriptStep.Text("Answer two."));
        Upstream.Script(edited, ScriptStep.Text("Answer two, edited."));
        await client.RunAsync(session, "question one " + first);
        await client.RunAsync(session, "question two " + second);
        var before = (await SessionAsync(client, session))["messages"]!.AsArray();
        Assert.That(before.Select(m => m!["branch"]), Is.All.Null, "no branch info before any edit");
        var oldQuestion = before[2]!["id"]!.GetValue<string>();
        var oldAnswer = before[3]!["id"]!.GetValue<string>();

        var stream = await EditAsync(client, session, oldQuestion, "question two, edited " + edited);
        Assert.That(stream.Status, Is.EqualTo(HttpStatusCode.OK), string.Join('\n', stream.Data));
        Assert.That(stream.DeltaText, Is.EqualTo("Answer two, edited."));
        var prompt = (await Upstream.WaitForRequestAsync(edited)).Messages.Select(m => m.Content).ToList();
        Assert.That(prompt, Has.Some.Contains("question one"));
        Assert.That(prompt, Has.Some.Contains("Answer one."));
        Assert.That(prompt, Has.None.Contains(second), "the edited message is not in the prompt");
        Assert.That(prompt, Has.None.Contains("Answer two."), "nor the reply that followed it");

        var afterEdit = await SessionAsync(client, session);
        var messages = afterEdit["messages"]!.AsArray();
        Assert.That(messages.Select(m => Text(m!)), Is.EqualTo(new[] { "question one " + first, "Answer one.", "question two, edited " + edited, "Answer two, edited." }));
        Assert.That(afterEdit["message_count"]!.GetValue<int>(), Is.EqualTo(4));
        var branch = messages[2]!["branch"]!;
        Assert.That(branch["index"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(branch["count"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(branch["sibling_ids"]!.AsArray().Select(i => i!.GetValue<string>()), Is.EqualTo(new[] { oldQuestion, messages[2]!["id"]!.GetValue<string>() }));
        Assert.That(messages[3]!["branch"], Is.Null, "the new reply has no sibling");
        var newQuestion = messages[2]!["id"]!.GetValue<string>();

        // Back to the old branch: its question and its answer, and the next prompt holds them, not the edit.
        using (var activated = await ActivateAsync(client, session, oldQuestion))
        {
            Assert.That(activated.StatusCode, Is.EqualTo(HttpStatusCode.OK), await activated.Content.ReadAsStringAsync());
            var shown = (await activated.JsonAsync())["data"]!["messages"]!.AsArray();
            Assert.That(shown.Select(m => Text(m!)), Is.EqualTo(new[] { "question one " + first, "Answer one.", "question two " + second, "Answer two." }));
            Assert.That(shown[2]!["branch"]!["index"]!.GetValue<int>(), Is.Zero);
            Assert.That(shown[3]!["id"]!.GetValue<string>(), Is.EqualTo(oldAnswer), "the old answer was kept, not rewritten");
        }

        var third = NativeApi.Marker();
        await client.RunAsync(session, "question three " + third);
        var thirdPrompt = (await Upstream.WaitForRequestAsync(third)).Messages.Select(m => m.Content).ToList();
        Assert.That(thirdPrompt, Has.Some.Contains(second));
        Assert.That(thirdPrompt, Has.Some.Contains("Answer two."));
        Assert.That(thirdPrompt, Has.None.Contains(edited));

        // And forward again: the edit comes back with the reply that followed it.
        using (var again = await ActivateAsync(client, session, newQuestion))
        {
            var shown = (await again.JsonAsync())["data"]!;
            Assert.That(shown["messages"]!.AsArray().Select(m => Text(m!)), Is.EqualTo(new[] { "question one " + first, "Answer one.", "question two, edited " + edited, "Answer two, edited." }));
            Assert.That(shown["message_count"]!.GetValue<int>(), Is.EqualTo(4));
        }

        // Every branch is in the export, each message once, with its parent and whether it is shown.
        var export = (await client.GetStringAsync("/api/v1/chatkit/export")).TrimEnd('\n').Split('\n').Select(l => JsonNode.Parse(l)!).ToList();
        var exported = export.Where(l => l["kind"]!.GetValue<string>() == "message").ToList();
        Assert.That(exported, Has.Count.EqualTo(8));
        Assert.That(exported.Count(m => m["active"]!.GetValue<bool>()), Is.EqualTo(4));
        Assert.That(exported.Single(m => m["id"]!.GetValue<string>() == newQuestion)["parent_id"]!.GetValue<string>(),
            Is.EqualTo(exported.Single(m => m["id"]!.GetValue<string>() == oldQuestion)["parent_id"]!.GetValue<string>()), "siblings share a parent");
    }

    [Test]
    public async Task ARetry_KeepsTheOldAnswerAsASibling_AndTheWidgetSeesOnlyTheActiveBranch()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        using var client = app.ClientFor();
        var marker = NativeApi.Marker();
        Upstream.Script(marker, ScriptStep.Text("First answer."), ScriptStep.Text("Second answer."));
        var created = await NativeApi.StreamAsync(client, "threads.create", new { input = NativeApi.Input("a question " + marker) });
        var thread = created.Events[0]["thread"]!["id"]!.GetValue<string>();
        var question = created.Events[1]["item"]!["id"]!.GetValue<string>();

        var retried = await NativeApi.StreamAsync(client, "threads.retry_after_item", new { thread_id = thread, item_id = question });
        Assert.That(retried.DeltaText, Is.EqualTo("Second answer."));

        var items = (await NativeApi.CallAsync(client, "items.list", new { thread_id = thread, order = "asc" }))["data"]!.AsArray();
        Assert.That(items.Select(i => i!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "user_message", "assistant_message" }));
        Assert.That(items[1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("Second answer."));

        var shown = await SessionAsync(client, thread);
        var answer = shown["messages"]!.AsArray()[1]!;
        Assert.That(Text(answer), Is.EqualTo("Second answer."));
        Assert.That(answer["branch"]!["count"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(answer["branch"]!["index"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(shown["message_count"]!.GetValue<int>(), Is.EqualTo(2), "counts count the active branch");
        var oldAnswer = answer["branch"]!["sibling_ids"]![0]!.GetValue<string>();

        using var activated = await ActivateAsync(client, thread, oldAnswer);
        var back = (await activated.JsonAsync())["data"]!["messages"]!.AsArray();
        Assert.That(back.Select(m => Text(m!)), Is.EqualTo(new[] { "a question " + marker, "First answer." }));
    }

    [Test]
    public async Task EditsAndActivations_AreRefusedClearly_ForWhatCannotBeEditedOrSwitched()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        using var client = app.ClientFor();
        using var stranger = app.ClientFor(ChatKitFactory.NewUser());
        var session = await client.CreateSessionAsync();
        await client.RunAsync(session, "hello");
        var messages = (await SessionAsync(client, session))["messages"]!.AsArray();
        var question = messages[0]!["id"]!.GetValue<string>();
        var answer = messages[1]!["id"]!.GetValue<string>();

        var error = await (await SendEditAsync(client, session, answer, "not mine to edit")).AssertErrorAsync(HttpStatusCode.NotFound, "MESSAGE_NOT_FOUND");
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain("a user message on the session's active branch"));
        await (await SendEditAsync(client, session, Guid.NewGuid().ToString(), "x")).AssertErrorAsync(HttpStatusCode.NotFound, "MESSAGE_NOT_FOUND");
        await (await SendEditAsync(client, session, "not-a-uuid", "x")).AssertErrorAsync(HttpStatusCode.NotFound, "MESSAGE_NOT_FOUND");
        await (await SendEditAsync(stranger, session, question, "theirs")).AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        await (await SendEditAsync(client, session, question, "   ")).AssertErrorAsync(HttpStatusCode.BadRequest, "EMPTY_MESSAGE");

        await (await ActivateAsync(client, session, Guid.NewGuid().ToString())).AssertErrorAsync(HttpStatusCode.NotFound, "MESSAGE_NOT_FOUND");
        await (await ActivateAsync(stranger, session, question)).AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        await (await ActivateAsync(client, Guid.NewGuid().ToString(), question)).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        using var same = await ActivateAsync(client, session, answer);
        Assert.That(same.StatusCode, Is.EqualTo(HttpStatusCode.OK), "activating the shown branch changes nothing");
        Assert.That((await SessionAsync(client, session))["messages"]!.AsArray(), Has.Count.EqualTo(2));

        // A session stored before branches (no parent links) branches like any other.
        await TestEnvironment.ScalarAsync<int>("UPDATE messages SET parent_id = NULL WHERE session_id = @id RETURNING 1", new { id = Guid.Parse(session) });
        var edit = await EditAsync(client, session, question, "hello again");
        Assert.That(edit.Status, Is.EqualTo(HttpStatusCode.OK));
        var shown = (await SessionAsync(client, session))["messages"]!.AsArray();
        Assert.That(shown.Select(m => Text(m!)).First(), Is.EqualTo("hello again"));
        Assert.That(shown[0]!["branch"]!["sibling_ids"]![0]!.GetValue<string>(), Is.EqualTo(question));
    }
}
