using System.Text.Json;
using ChatKit.Api.Hosting;
using ChatKit.Application.Runs.ThreadStream;

namespace ChatKit.UnitTests.Api;

/// <summary>
/// The exact JSON of every event the stream sends, pinned. Each golden line was checked against the reference
/// server's types (openai/chatkit-python chatkit/types.py, ThreadStreamEvent, by_alias + exclude_none): it parses
/// and serialises back to the same keys. So do the native protocol's objects (Thread, Page). A change of shape fails
/// here before any client sees it.
/// </summary>
public sealed class ThreadStreamShapeTests
{
    private static readonly Guid Thread = Guid.Parse("01a21d70-0851-71e5-9e33-8b4c24a18e26");
    private static readonly Guid Item = Guid.Parse("01a21d70-0945-7a0e-a56a-e64fefac49c4");
    private static readonly DateTime At = new(2026, 11, 27, 14, 36, 51, DateTimeKind.Utc);

    private static IEnumerable<TestCaseData> Goldens()
    {
        const string ItemJson = "\"id\":\"01a21d70-0945-7a0e-a56a-e64fefac49c4\",\"thread_id\":\"01a21d70-0851-71e5-9e33-8b4c24a18e26\",\"created_at\":\"2026-11-27T14:36:51Z\"";
        yield return new TestCaseData(
            new ItemDoneEvent(new UserMessageItem(Item, Thread, At, [new InputText("Hi")])),
            "{\"type\":\"thread.item.done\",\"item\":{" + ItemJson + ",\"type\":\"user_message\",\"content\":[{\"type\":\"input_text\",\"text\":\"Hi\"}],\"attachments\":[],\"inference_options\":{}}}")
            .SetName("user_message done");
        yield return new TestCaseData(
            new StreamOptionsEvent(new StreamOptions(true)), "{\"type\":\"stream_options\",\"stream_options\":{\"allow_cancel\":true}}").SetName("stream_options");
        yield return new TestCaseData(
            new ItemAddedEvent(new AssistantMessageItem(Item, Thread, At, [])),
            "{\"type\":\"thread.item.added\",\"item\":{" + ItemJson + ",\"type\":\"assistant_message\",\"content\":[]}}").SetName("assistant_message added");
        yield return new TestCaseData(
            new ItemUpdatedEvent(Item.ToString(), new ContentPartAdded(0, new OutputText(string.Empty))),
            "{\"type\":\"thread.item.updated\",\"item_id\":\"01a21d70-0945-7a0e-a56a-e64fefac49c4\",\"update\":{\"type\":\"assistant_message.content_part.added\",\"content_index\":0,\"content\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}}}")
            .SetName("content_part.added");
        yield return new TestCaseData(
            new ItemUpdatedEvent(Item.ToString(), new ContentPartTextDelta(0, "Hel")),
            "{\"type\":\"thread.item.updated\",\"item_id\":\"01a21d70-0945-7a0e-a56a-e64fefac49c4\",\"update\":{\"type\":\"assistant_message.content_part.text_delta\",\"content_index\":0,\"delta\":\"Hel\"}}")
            .SetName("text_delta");
        yield return new TestCaseData(
            new ItemUpdatedEvent(Item.ToString(), new ContentPartDone(0, new OutputText("Hello"))),
            "{\"type\":\"thread.item.updated\",\"item_id\":\"01a21d70-0945-7a0e-a56a-e64fefac49c4\",\"update\":{\"type\":\"assistant_message.content_part.done\",\"content_index\":0,\"content\":{\"type\":\"output_text\",\"text\":\"Hello\",\"annotations\":[]}}}")
            .SetName("content_part.done");
        yield return new TestCaseData(
            new ItemAddedEvent(new WorkflowItem(WorkflowItem.IdOf(Item), Thread, At, new Workflow([]))),
            "{\"type\":\"thread.item.added\",\"item\":{\"id\":\"wf_01a21d70-0945-7a0e-a56a-e64fefac49c4\",\"thread_id\":\"01a21d70-0851-71e5-9e33-8b4c24a18e26\",\"created_at\":\"2026-11-27T14:36:51Z\",\"type\":\"workflow\",\"workflow\":{\"type\":\"custom\",\"tasks\":[],\"expanded\":false}}}")
            .SetName("workflow added");
        yield return new TestCaseData(
            new ItemUpdatedEvent(WorkflowItem.IdOf(Item), new WorkflowTaskAdded(0, new CustomTask("Adding task “Milk”", null, "loading"))),
            "{\"type\":\"thread.item.updated\",\"item_id\":\"wf_01a21d70-0945-7a0e-a56a-e64fefac49c4\",\"update\":{\"type\":\"workflow.task.added\",\"task_index\":0,\"task\":{\"type\":\"custom\",\"title\":\"Adding task “Milk”\",\"status_indicator\":\"loading\"}}}")
            .SetName("workflow.task.added");
        yield return new TestCaseData(
            new ItemUpdatedEvent(WorkflowItem.IdOf(Item), new WorkflowTaskUpdated(0, new CustomTask("Adding task “Milk”", "Added “Milk”", "complete"))),
            "{\"type\":\"thread.item.updated\",\"item_id\":\"wf_01a21d70-0945-7a0e-a56a-e64fefac49c4\",\"update\":{\"type\":\"workflow.task.updated\",\"task_index\":0,\"task\":{\"type\":\"custom\",\"title\":\"Adding task “Milk”\",\"content\":\"Added “Milk”\",\"status_indicator\":\"complete\"}}}")
            .SetName("workflow.task.updated");
        yield return new TestCaseData(
            new ItemDoneEvent(new WorkflowItem(WorkflowItem.IdOf(Item), Thread, At, new Workflow([new CustomTask("Listing tasks", "Found 1 task", "complete")], new DurationSummary(2)))),
            "{\"type\":\"thread.item.done\",\"item\":{\"id\":\"wf_01a21d70-0945-7a0e-a56a-e64fefac49c4\",\"thread_id\":\"01a21d70-0851-71e5-9e33-8b4c24a18e26\",\"created_at\":\"2026-11-27T14:36:51Z\",\"type\":\"workflow\",\"workflow\":{\"type\":\"custom\",\"tasks\":[{\"type\":\"custom\",\"title\":\"Listing tasks\",\"content\":\"Found 1 task\",\"status_indicator\":\"complete\"}],\"summary\":{\"duration\":2},\"expanded\":false}}}")
            .SetName("workflow done with its duration");
        yield return new TestCaseData(
            new ProgressUpdateEvent("search", "Listing tasks…"),
            "{\"type\":\"progress_update\",\"icon\":\"search\",\"text\":\"Listing tasks…\"}").SetName("progress_update");
        yield return new TestCaseData(
            new ClientEffectEvent("tasks.changed", new Dictionary<string, string> { ["task_id"] = "t1", ["change"] = "completed" }),
            "{\"type\":\"client_effect\",\"name\":\"tasks.changed\",\"data\":{\"task_id\":\"t1\",\"change\":\"completed\"}}").SetName("client_effect");
        yield return new TestCaseData(
            new ThreadUpdatedEvent(new ThreadInfo(Thread, "Hi", At, ThreadStatus.Locked(4))),
            "{\"type\":\"thread.updated\",\"thread\":{\"id\":\"01a21d70-0851-71e5-9e33-8b4c24a18e26\",\"title\":\"Hi\",\"created_at\":\"2026-11-27T14:36:51Z\",\"status\":{\"type\":\"locked\",\"reason\":\"This conversation reached its limit of 4 messages. Start a new one to go on.\"},\"metadata\":{},\"items\":{\"data\":[],\"has_more\":false}}}")
            .SetName("thread.updated, locked");
        yield return new TestCaseData(
            new StreamErrorEvent("The model service answered with status 502."),
            "{\"type\":\"error\",\"message\":\"The model service answered with status 502.\",\"code\":\"stream.error\",\"allow_retry\":true}").SetName("error");
        yield return new TestCaseData(
            new NoticeEvent("warning", "The reply stopped at the model's length limit, so it is incomplete."),
            "{\"type\":\"notice\",\"level\":\"warning\",\"message\":\"The reply stopped at the model's length limit, so it is incomplete.\"}").SetName("notice");
        yield return new TestCaseData(
            new ThreadUpdatedEvent(new ThreadInfo(Thread, "Hi", At, ThreadStatus.Active)),
            "{\"type\":\"thread.updated\",\"thread\":{\"id\":\"01a21d70-0851-71e5-9e33-8b4c24a18e26\",\"title\":\"Hi\",\"created_at\":\"2026-11-27T14:36:51Z\",\"status\":{\"type\":\"active\"},\"metadata\":{},\"items\":{\"data\":[],\"has_more\":false}}}")
            .SetName("thread.updated");
    }

    private static IEnumerable<TestCaseData> ObjectGoldens()
    {
        const string ThreadJson = "\"id\":\"01a21d70-0851-71e5-9e33-8b4c24a18e26\",\"title\":\"Hi\",\"created_at\":\"2026-11-27T14:36:51Z\",\"status\":{\"type\":\"active\"},\"metadata\":{}";
        yield return new TestCaseData(
            new ThreadCreatedEvent(new ThreadInfo(Thread, "Hi", At, ThreadStatus.Active)),
            "{\"type\":\"thread.created\",\"thread\":{" + ThreadJson + ",\"items\":{\"data\":[],\"has_more\":false}}}").SetName("thread.created");
        yield return new TestCaseData(
            new ThreadInfo(Thread, "Hi", At, ThreadStatus.Active) { Items = new ThreadItemsPage([new UserMessageItem(Item, Thread, At, [new InputText("Hi")])], true, Item.ToString()) },
            "{" + ThreadJson + ",\"items\":{\"data\":[{\"id\":\"01a21d70-0945-7a0e-a56a-e64fefac49c4\",\"thread_id\":\"01a21d70-0851-71e5-9e33-8b4c24a18e26\",\"created_at\":\"2026-11-27T14:36:51Z\",\"type\":\"user_message\",\"content\":[{\"type\":\"input_text\",\"text\":\"Hi\"}],\"attachments\":[],\"inference_options\":{}}],\"has_more\":true,\"after\":\"01a21d70-0945-7a0e-a56a-e64fefac49c4\"}}")
            .SetName("Thread with an items page (threads.get_by_id)");
        yield return new TestCaseData(
            new ThreadItemsPage([new ThreadInfo(Thread, "Hi", At, ThreadStatus.Active)], false),
            "{\"data\":[{" + ThreadJson + ",\"items\":{\"data\":[],\"has_more\":false}}],\"has_more\":false}").SetName("Page of threads (threads.list)");
    }

    [TestCaseSource(nameof(ObjectGoldens))]
    public void Object_SerialisesExactlyAsTheReferenceTypes(object value, string golden) =>
        Assert.That(JsonSerializer.Serialize(value, value.GetType(), JsonDefaults.Stream), Is.EqualTo(golden));

    [TestCaseSource(nameof(Goldens))]
    public void Event_SerialisesExactlyAsTheReferenceTypes(RunEvent e, string golden) =>
        Assert.That(JsonSerializer.Serialize(e, e.GetType(), JsonDefaults.Stream), Is.EqualTo(golden));
}
