using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Native;

/// <summary>
/// The tasks widget, its actions, progress and effects, and thread status (docs/chatkit.md), over real PostgreSQL and
/// the fake upstream; every body is checked against the reference server's own types.
/// </summary>
public sealed class WidgetTests
{
    private const string Endpoint = NativeApi.Endpoint;

    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static async Task<string> AddTaskAsync(HttpClient client, string title, string priority = "medium", bool completed = false)
    {
        var created = await (await client.PostAsJsonAsync("/api/v1/tasks", new { title, priority })).JsonAsync();
        var id = created["data"]!["id"]!.GetValue<string>();
        if (completed)
        {
            using var done = await client.PatchAsJsonAsync($"/api/v1/tasks/{id}", new { completed = true });
            Assert.That(done.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        return id;
    }

    /// <summary>A thread whose first turn listed the caller's tasks: its id, the stream, and the widget item it showed.</summary>
    private static async Task<(string ThreadId, SseStream Stream, JsonNode Widget)> ListedAsync(HttpClient client)
    {
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("l1", "list_tasks", "{}")), ScriptStep.Text("Here ", "they are."));
        var stream = await StreamAsync(client, "threads.create", new { input = Input("Show my tasks " + marker) });
        var widget = stream.Events.Single(e => e["item"]?["type"]?.GetValue<string>() == "widget")["item"]!;
        return (stream.Events[0]["thread"]!["id"]!.GetValue<string>(), stream, widget);
    }

    private static JsonArray Rows(JsonNode widgetItem) => widgetItem["widget"]!["children"]!.AsArray();

    private static JsonNode Row(JsonNode widgetItem, string taskId) => Rows(widgetItem).Single(r => r!["key"]?.GetValue<string>() == taskId)!;

    private static IEnumerable<string> Labels(JsonNode row) =>
        row["children"]!.AsArray().Where(c => c!["type"]!.GetValue<string>() == "Button").Select(b => b!["label"]!.GetValue<string>());

    [Test]
    public async Task AListingStep_ShowsTheTasksWidgetAfterItsWorkflow_StoredAndTheSameOnReload()
    {
        using var client = App.ClientFor();
        var milk = await AddTaskAsync(client, "Buy milk", "high");
        var bread = await AddTaskAsync(client, "Bake bread", "low", completed: true);

        var (threadId, stream, widget) = await ListedAsync(client);

        // The sequence: progress before the tool, the workflow added with its first task and done with its duration, then the widget.
        var types = stream.Types.ToList();
        var progress = types.IndexOf("progress_update");
        var workflowAdded = stream.Events.ToList().FindIndex(e => e["type"]!.GetValue<string>() == "thread.item.added" && e["item"]!["type"]!.GetValue<string>() == "workflow");
        var workflowDone = stream.Events.ToList().FindIndex(e => e["type"]!.GetValue<string>() == "thread.item.done" && e["item"]!["type"]!.GetValue<string>() == "workflow");
        var widgetDone = stream.Events.ToList().FindIndex(e => e["item"]?["type"]?.GetValue<string>() == "widget");
        Assert.That(workflowAdded, Is.LessThan(progress));
        Assert.That(progress, Is.LessThan(workflowDone));
        Assert.That(workflowDone, Is.LessThan(widgetDone));
        Assert.That(stream.Events[progress]["text"]!.GetValue<string>(), Is.EqualTo("Listing tasks…"));
        Assert.That(stream.Events[progress]["icon"]!.GetValue<string>(), Is.EqualTo("search"));
        Assert.That(stream.Events[workflowAdded]["item"]!["workflow"]!["tasks"]!.AsArray(), Has.Count.EqualTo(1), "never an empty workflow");
        Assert.That(stream.Events[workflowDone]["item"]!["workflow"]!["summary"]!["duration"]!.GetValue<int>(), Is.GreaterThanOrEqualTo(0));
        Assert.That(stream.Events[0]["thread"]!.AsObject().ContainsKey("title"), Is.False, "thread.created carries no title until one is set");
        Assert.That(stream.Events.Last(e => e["type"]!.GetValue<string>() == "thread.updated")["thread"]!["title"]!.GetValue<string>(), Does.StartWith("Show my tasks"));

        // The widget: a ListView, a row a task in the tool's order, a button for what can be done next, and the list as text.
        Assert.That(widget["id"]!.GetValue<string>(), Does.StartWith("wgt_"));
        Assert.That(widget["widget"]!["type"]!.GetValue<string>(), Is.EqualTo("ListView"));
        Assert.That(Rows(widget).Select(r => r!["key"]!.GetValue<string>()), Is.EquivalentTo(new[] { milk, bread }));
        Assert.That(Labels(Row(widget, milk)), Is.EqualTo(new[] { "Complete", "Delete" }));
        Assert.That(Labels(Row(widget, bread)), Is.EqualTo(new[] { "Reopen", "Delete" }));
        var breadText = Row(widget, bread)["children"]![0]!;
        Assert.That(breadText["value"]!.GetValue<string>(), Is.EqualTo("Bake bread"));
        Assert.That(breadText["lineThrough"]!.GetValue<bool>(), Is.True);
        Assert.That(Row(widget, milk)["children"]![0]!.AsObject().ContainsKey("lineThrough"), Is.False);
        var complete = Row(widget, milk)["children"]!.AsArray().First(c => c!["label"]?.GetValue<string>() == "Complete")!["onClickAction"]!;
        Assert.That(complete.ToJsonString(), Is.EqualTo($$"""{"type":"tasks.complete","payload":{"task_id":"{{milk}}"},"handler":"server","loadingBehavior":"self","streaming":false}"""));
        Assert.That(widget["copy_text"]!.GetValue<string>().Split('\n'), Is.EquivalentTo(new[] { "- [ ] Buy milk (high)", "- [x] Bake bread (low)" }));

        // Stored with the step: the same item, in the same place, on reload; and usable as a cursor.
        var thread = await CallAsync(client, "threads.get_by_id", new { thread_id = threadId });
        var items = thread["items"]!["data"]!.AsArray();
        Assert.That(items.Select(i => i!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "user_message", "workflow", "widget", "assistant_message" }));
        Assert.That(items[2]!.ToJsonString(), Is.EqualTo(widget.ToJsonString()));
        Assert.That(items[1]!["workflow"]!.ToJsonString(), Is.EqualTo(stream.Events[workflowDone]["item"]!["workflow"]!.ToJsonString()), "the workflow reads back as it was done");
        var after = await CallAsync(client, "items.list", new { thread_id = threadId, after = widget["id"]!.GetValue<string>(), order = "asc" });
        Assert.That(after["data"]!.AsArray().Select(i => i!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "assistant_message" }));
        var before = await CallAsync(client, "items.list", new { thread_id = threadId, after = widget["id"]!.GetValue<string>(), order = "desc" });
        Assert.That(before["data"]!.AsArray().Select(i => i!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "workflow", "user_message" }));

        await ReferenceTypes.AssertValidAsync([.. ReferenceTypes.Events(stream.Events), (ReferenceTypes.Thread, thread), (ReferenceTypes.ItemsPage, after)]);
    }

    [Test]
    public async Task AnEmptyListing_IsAWidgetThatSaysSo()
    {
        using var client = App.ClientFor("widget-empty-" + Guid.NewGuid().ToString("N"));
        var (_, _, widget) = await ListedAsync(client);
        Assert.That(Rows(widget), Has.Count.EqualTo(1));
        Assert.That(Rows(widget)[0]!["children"]![0]!["value"]!.GetValue<string>(), Is.EqualTo("You have no tasks here."));
        Assert.That(widget["copy_text"]!.GetValue<string>(), Is.EqualTo("No tasks."));
    }

    [Test]
    public async Task SyncCustomAction_WhileAReplyStreams_CompletesTheTask_AnswersTheWidget_AndTheModelHearsOfIt()
    {
        using var client = App.ClientFor();
        var milk = await AddTaskAsync(client, "Sync milk", "high");
        var (threadId, _, widget) = await ListedAsync(client);
        var widgetId = widget["id"]!.GetValue<string>();

        // A reply streams (the upstream holds it open) while the user clicks.
        using var streaming = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, Endpoint)
            {
                Content = new StringContent(Body("threads.add_user_message", new { thread_id = threadId, input = Input("Wait #stall") }), Encoding.UTF8, "application/json"),
            },
            HttpCompletionOption.ResponseHeadersRead);
        Assert.That(streaming.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var action = new { thread_id = threadId, item_id = widgetId, action = new { type = "tasks.complete", payload = new { task_id = milk } } };
        var answer = await CallAsync(client, "threads.sync_custom_action", action);
        var updated = answer["updated_item"]!;
        Assert.That(updated["id"]!.GetValue<string>(), Is.EqualTo(widgetId));
        Assert.That(Labels(Row(updated, milk)), Is.EqualTo(new[] { "Reopen", "Delete" }));
        Assert.That(Row(updated, milk)["children"]![0]!["lineThrough"]!.GetValue<bool>(), Is.True);
        var task = await (await client.GetAsync($"/api/v1/tasks/{milk}")).JsonAsync();
        Assert.That(task["data"]!["completed"]!.GetValue<bool>(), Is.True);

        // Idempotent: completing a completed task is a success that shows it done.
        var again = await CallAsync(client, "threads.sync_custom_action", action);
        Assert.That(again["updated_item"]!.ToJsonString(), Is.EqualTo(updated.ToJsonString()));

        // A streamed action is a turn: refused while the reply holds the session.
        using var busy = await client.PostJsonAsync(Endpoint, Body("threads.custom_action", action));
        await busy.AssertErrorAsync(HttpStatusCode.Conflict, "RUN_IN_PROGRESS");
        streaming.Dispose(); // the stalled reply ends, stopped

        // Stored: the reload shows the widget as it now is.
        var items = (await CallAsync(client, "threads.get_by_id", new { thread_id = threadId }))["items"]!["data"]!.AsArray();
        Assert.That(items.Single(i => i!["id"]!.GetValue<string>() == widgetId)!.ToJsonString(), Is.EqualTo(updated.ToJsonString()));
        Assert.That(items.Select(i => i!["type"]!.GetValue<string>()), Has.None.EqualTo("note"), "notes are never items");

        // The next turn's prompt says what the user did, in words, and that the last reply was stopped.
        var next = Marker();
        Upstream.Script(next, ScriptStep.Text("Noted."));
        await StreamAsync(client, "threads.add_user_message", new { thread_id = threadId, input = Input("What changed? " + next) });
        var prompt = Upstream.RequestsWith(next).Single().Messages;
        var notes = prompt.Where(m => m.Role == "system").Select(m => m.Content).ToList();
        Assert.That(notes, Has.Some.Contains("the user marked the task “Sync milk”").And.Some.Contains(milk));
        Assert.That(notes, Has.Some.EqualTo("The user stopped the previous reply before it finished."));
        Assert.That(prompt.Count(m => m.Role == "system" && m.Content.Contains("Sync milk", StringComparison.Ordinal)), Is.EqualTo(2), "each click once");

        await ReferenceTypes.AssertValidAsync([(ReferenceTypes.SyncActionResponse, answer), (ReferenceTypes.Request, JsonNode.Parse(Body("threads.sync_custom_action", action))!)]);
    }

    [Test]
    public async Task CustomAction_IsATurn_ReplacedWidgetEffectAndAConfirmationWithoutAModelCall()
    {
        using var client = App.ClientFor();
        var milk = await AddTaskAsync(client, "Delete me", "low");
        var keep = await AddTaskAsync(client, "Keep me");
        var (threadId, _, widget) = await ListedAsync(client);
        var requests = Upstream.Requests.Count;

        var stream = await StreamAsync(client, "threads.custom_action", new { thread_id = threadId, item_id = widget["id"]!.GetValue<string>(), action = new { type = "tasks.delete", payload = new { task_id = milk } } });

        Assert.That(stream.Types, Is.EqualTo(new[] { "stream_options", "thread.item.replaced", "client_effect", "thread.item.done" }));
        var replaced = stream.Events[1]["item"]!;
        Assert.That(Rows(replaced).Select(r => r!["key"]!.GetValue<string>()), Is.EqualTo(new[] { keep }), "the deleted task's row is gone");
        Assert.That(stream.Events[2].ToJsonString(), Is.EqualTo($$$"""{"type":"client_effect","name":"tasks.changed","data":{"task_id":"{{{milk}}}","change":"deleted"}}"""));
        var confirmation = stream.Events[3]["item"]!;
        Assert.That(confirmation["type"]!.GetValue<string>(), Is.EqualTo("assistant_message"));
        Assert.That(confirmation["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("Deleted “Delete me”."));
        Assert.That(Upstream.Requests.Count, Is.EqualTo(requests), "no model call");
        using (var gone = await client.GetAsync($"/api/v1/tasks/{milk}"))
        {
            Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }

        // Stored, and the session is free again: the next turn starts.
        var items = (await CallAsync(client, "threads.get_by_id", new { thread_id = threadId }))["items"]!["data"]!.AsArray();
        Assert.That(items.Last()!["id"]!.GetValue<string>(), Is.EqualTo(confirmation["id"]!.GetValue<string>()));
        Assert.That(items.Single(i => i!["type"]!.GetValue<string>() == "widget")!.ToJsonString(), Is.EqualTo(replaced.ToJsonString()));
        var next = Marker();
        Upstream.Script(next, ScriptStep.Text("ok"));
        await StreamAsync(client, "threads.add_user_message", new { thread_id = threadId, input = Input("next " + next) });

        await ReferenceTypes.AssertValidAsync(ReferenceTypes.Events(stream.Events));
    }

    [Test]
    public async Task Actions_RefuseBeforeAnyStream_InTheEnvelope()
    {
        using var client = App.ClientFor();
        var task = await AddTaskAsync(client, "Mine");
        var (threadId, _, widget) = await ListedAsync(client);
        var widgetId = widget["id"]!.GetValue<string>();
        using var other = App.ClientFor("widget-other-" + Guid.NewGuid().ToString("N"));
        var theirs = await AddTaskAsync(other, "Theirs");

        async Task<JsonNode> Refused(string type, object parameters, HttpStatusCode status, string code)
        {
            using var response = await client.PostJsonAsync(Endpoint, Body(type, parameters));
            return await response.AssertErrorAsync(status, code);
        }

        foreach (var type in new[] { "threads.custom_action", "threads.sync_custom_action" })
        {
            var unknown = await Refused(type, new { thread_id = threadId, item_id = widgetId, action = new { type = "tasks.explode", payload = new { task_id = task } } }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
            Assert.That(unknown.ToJsonString(), Does.Contain("params.action.type"));
            var missing = await Refused(type, new { thread_id = threadId, item_id = widgetId, action = new { type = "tasks.complete", payload = new { } } }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
            Assert.That(missing.ToJsonString(), Does.Contain("params.action.payload.task_id"));
            await Refused(type, new { thread_id = threadId, item_id = "wf_" + Guid.NewGuid(), action = new { type = "tasks.complete", payload = new { task_id = task } } }, HttpStatusCode.NotFound, "ITEM_NOT_FOUND");
            await Refused(type, new { thread_id = threadId, item_id = widgetId, action = new { type = "tasks.complete", payload = new { task_id = theirs } } }, HttpStatusCode.NotFound, "TASK_NOT_FOUND");
            await Refused(type, new { thread_id = Guid.NewGuid().ToString(), item_id = widgetId, action = new { type = "tasks.complete", payload = new { task_id = task } } }, HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
            using var forbidden = await other.PostJsonAsync(Endpoint, Body(type, new { thread_id = threadId, item_id = widgetId, action = new { type = "tasks.complete", payload = new { task_id = theirs } } }));
            await forbidden.AssertErrorAsync(HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        var untouched = await (await other.GetAsync($"/api/v1/tasks/{theirs}")).JsonAsync();
        Assert.That(untouched["data"]!["completed"]!.GetValue<bool>(), Is.False, "another user's task is never touched");

        // A refused custom_action leaves the session free.
        var next = Marker();
        Upstream.Script(next, ScriptStep.Text("ok"));
        await StreamAsync(client, "threads.add_user_message", new { thread_id = threadId, input = Input("still free " + next) });
    }

    [Test]
    public async Task EveryToolThatChangesATask_SendsTasksChanged_AndProgressBeforeIt()
    {
        using var client = App.ClientFor();
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("a1", "add_task", """{"title":"Effect task"}""")), ScriptStep.Text("Added."));

        var stream = await StreamAsync(client, "threads.create", new { input = Input("Add it " + marker) });

        var progress = stream.Events.Single(e => e["type"]!.GetValue<string>() == "progress_update");
        Assert.That(progress["icon"]!.GetValue<string>(), Is.EqualTo("plus"));
        Assert.That(progress["text"]!.GetValue<string>(), Is.EqualTo("Adding task “Effect task”…"));
        var effect = stream.Events.Single(e => e["type"]!.GetValue<string>() == "client_effect");
        var tasks = (await (await client.GetAsync("/api/v1/tasks")).JsonAsync())["data"]!.AsArray();
        var id = tasks.Single(t => t!["title"]!.GetValue<string>() == "Effect task")!["id"]!.GetValue<string>();
        Assert.That(effect["data"]!.ToJsonString(), Is.EqualTo($$"""{"task_id":"{{id}}","change":"added"}"""));
        Assert.That(stream.Types.ToList().IndexOf("progress_update"), Is.LessThan(stream.Types.ToList().IndexOf("client_effect")));

        // Transient: neither is an item on reload.
        var thread = await CallAsync(client, "threads.get_by_id", new { thread_id = stream.Events[0]["thread"]!["id"]!.GetValue<string>() });
        Assert.That(thread["items"]!["data"]!.AsArray().Select(i => i!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "user_message", "workflow", "assistant_message" }));
        await ReferenceTypes.AssertValidAsync([.. ReferenceTypes.Events(stream.Events), (ReferenceTypes.Thread, thread)]);
    }

    [Test]
    public async Task TheRestStream_CarriesTheSameWidgetAndEffects()
    {
        using var client = App.ClientFor();
        await AddTaskAsync(client, "Rest task");
        var session = await client.CreateSessionAsync();
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("r1", "list_tasks", "{}")), ScriptStep.Text("Listed."));

        var stream = await client.RunAsync(session, "list " + marker);

        Assert.That(stream.Types, Does.Contain("progress_update"));
        var widget = stream.Events.Single(e => e["item"]?["type"]?.GetValue<string>() == "widget")["item"]!;
        Assert.That(Rows(widget).Select(r => r!["children"]![0]!["value"]!.GetValue<string>()), Does.Contain("Rest task"));
        Assert.That(stream.Data[^1], Is.EqualTo("[DONE]"));
    }

    [Test]
    public async Task TheTurnThatFillsTheThread_EndsWithItLocked_AndEveryThreadObjectSaysSo()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("MAX_MESSAGES_PER_SESSION", "4"));
        using var client = app.ClientFor();
        var first = Marker();
        Upstream.Script(first, ScriptStep.Text("one"));
        var created = await StreamAsync(client, "threads.create", new { input = Input("first " + first) });
        var threadId = created.Events[0]["thread"]!["id"]!.GetValue<string>();
        Assert.That(created.Events.Last(e => e["type"]!.GetValue<string>() == "thread.updated")["thread"]!["status"]!["type"]!.GetValue<string>(), Is.EqualTo("active"));

        var second = Marker();
        Upstream.Script(second, ScriptStep.Text("two"));
        var filled = await StreamAsync(client, "threads.add_user_message", new { thread_id = threadId, input = Input("second " + second) });

        var updated = filled.Events.Last();
        Assert.That(updated["type"]!.GetValue<string>(), Is.EqualTo("thread.updated"));
        Assert.That(updated["thread"]!["status"]!["type"]!.GetValue<string>(), Is.EqualTo("locked"));
        Assert.That(updated["thread"]!["status"]!["reason"]!.GetValue<string>(), Does.Contain("4 messages"));
        var got = await CallAsync(client, "threads.get_by_id", new { thread_id = threadId });
        Assert.That(got["status"]!.ToJsonString(), Is.EqualTo(updated["thread"]!["status"]!.ToJsonString()));
        var listed = await CallAsync(client, "threads.list", new { });
        Assert.That(listed["data"]![0]!["status"]!["type"]!.GetValue<string>(), Is.EqualTo("locked"));
        using var refused = await client.PostJsonAsync(Endpoint, Body("threads.add_user_message", new { thread_id = threadId, input = Input("third") }));
        await refused.AssertErrorAsync(HttpStatusCode.TooManyRequests, "MESSAGE_LIMIT");

        await ReferenceTypes.AssertValidAsync([.. ReferenceTypes.Events(filled.Events), (ReferenceTypes.Thread, got), (ReferenceTypes.ThreadsPage, listed)]);
    }
}
