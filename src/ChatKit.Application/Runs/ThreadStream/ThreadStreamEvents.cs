using System.Text.Json.Serialization;
using ChatKit.Application.Attachments;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Runs.ThreadStream;

// The ChatKit thread-stream events a run emits (see docs/streaming.md), shaped as the reference server's types
// serialise them (by_alias, exclude_none). Item and update payloads are typed as object so the serializer writes
// each one by its runtime shape.

public abstract record RunEvent([property: JsonPropertyOrder(-1)] string Type);

public sealed record ItemDoneEvent(object Item) : RunEvent("thread.item.done");

public sealed record ItemAddedEvent(object Item) : RunEvent("thread.item.added");

public sealed record ItemUpdatedEvent(string ItemId, object Update) : RunEvent("thread.item.updated");

public sealed record StreamOptions(bool AllowCancel);

public sealed record StreamOptionsEvent(StreamOptions StreamOptions) : RunEvent("stream_options");

public sealed record ThreadUpdatedEvent(ThreadInfo Thread) : RunEvent("thread.updated");

public sealed record ThreadCreatedEvent(ThreadInfo Thread) : RunEvent("thread.created");

public sealed record StreamErrorEvent(string Message) : RunEvent("error")
{
    public string Code { get; } = "stream.error";

    public bool AllowRetry { get; init; } = true;
}

public sealed record ItemReplacedEvent(object Item) : RunEvent("thread.item.replaced");

/// <summary>What is happening now (before each tool runs); transient, never stored.</summary>
public sealed record ProgressUpdateEvent(string Icon, string Text) : RunEvent("progress_update");

/// <summary>A side effect for the host page (<c>onEffect</c>), e.g. <c>tasks.changed</c>; never stored.</summary>
public sealed record ClientEffectEvent(string Name, IReadOnlyDictionary<string, string> Data) : RunEvent("client_effect");

/// <summary>A user-facing notice; the turn uses it to say why a reply stopped short.</summary>
public sealed record NoticeEvent(string Level, string Message) : RunEvent("notice");

public sealed record InputText(string Text)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = ContentPart.InputText;
}

public sealed record OutputText(string Text)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = ContentPart.OutputText;

    public IReadOnlyList<object> Annotations { get; } = [];
}

/// <summary>An @-mention as the user's item carries it back (the reference's <c>UserMessageTagContent</c>).</summary>
public sealed record InputTag(string Id, string Text, System.Text.Json.JsonElement Data, string? Group, bool Interactive)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = ContentPart.InputTag;
}

/// <summary>The composer's choices for the turn, echoed on the user's item; empty when none was made.</summary>
public sealed record InferenceOptions(ToolChoice? ToolChoice, string? Model)
{
    public static readonly InferenceOptions None = new(null, null);
}

public sealed record ToolChoice(string Id);

/// <summary>A user's message as sent: its text and tag parts in order, its attachments, what it quotes, the composer's choices.</summary>
public sealed record UserMessageItem(
    Guid Id, Guid ThreadId, DateTime CreatedAt, [property: JsonPropertyOrder(1)] IReadOnlyList<object> Content)
{
    public string Type { get; } = "user_message";

    [JsonPropertyOrder(2)]
    public IReadOnlyList<AttachmentDto> Attachments { get; init; } = [];

    [JsonPropertyOrder(3)]
    public string? QuotedText { get; init; }

    [JsonPropertyOrder(4)]
    public InferenceOptions InferenceOptions { get; init; } = InferenceOptions.None;

    /// <param name="links">Signs the attachments' links afresh.</param>
    public static UserMessageItem From(ChatMessage m, AttachmentLinks links) =>
        new(m.Id, m.SessionId, m.CreatedAt, m.Content.Select(Part).ToList())
        {
            Attachments = m.Attachments.Select(links.ToDto).ToList(),
            QuotedText = m.QuotedText,
            InferenceOptions = new InferenceOptions(m.ToolChoice is { } tool ? new ToolChoice(tool) : null, m.Model),
        };

    private static object Part(ContentPart c) => c.IsTag
        ? new InputTag(c.Id ?? string.Empty, c.Text, c.Data ?? ContentPart.EmptyData, c.Group, c.Interactive ?? false)
        : new InputText(c.Text);
}

public sealed record AssistantMessageItem(
    Guid Id, Guid ThreadId, DateTime CreatedAt, [property: JsonPropertyOrder(1)] IReadOnlyList<OutputText> Content)
{
    public string Type { get; } = "assistant_message";
}

public sealed record ContentPartAdded(int ContentIndex, OutputText Content)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "assistant_message.content_part.added";
}

public sealed record ContentPartTextDelta(int ContentIndex, string Delta)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "assistant_message.content_part.text_delta";
}

public sealed record ContentPartDone(int ContentIndex, OutputText Content)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "assistant_message.content_part.done";
}

/// <summary>A step's tool calls, shown as a ChatKit workflow; its id is <c>wf_</c> and the step's message id.</summary>
public sealed record WorkflowItem(string Id, Guid ThreadId, DateTime CreatedAt, [property: JsonPropertyOrder(1)] Workflow Workflow)
{
    public string Type { get; } = "workflow";

    public static string IdOf(Guid stepId) => "wf_" + stepId.ToString();
}

/// <param name="Summary">Once the workflow is done: how long it took.</param>
public sealed record Workflow(IReadOnlyList<CustomTask> Tasks, DurationSummary? Summary = null)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "custom";

    public bool Expanded { get; }
}

/// <summary>How long a workflow took, in whole seconds (the reference's <c>DurationSummary</c>).</summary>
public sealed record DurationSummary(int Duration)
{
    /// <summary>From the step's start to its last result, rounded up: the same on the stream and on reload.</summary>
    public static DurationSummary Between(DateTime start, DateTime end) =>
        new((int)Math.Ceiling(Math.Max(0, (end - start).TotalSeconds)));
}

/// <summary>A call of a tool that runs in the browser: pending until <c>threads.add_client_tool_output</c>, then completed with its output.</summary>
public sealed record ClientToolCallItem(
    string Id, Guid ThreadId, DateTime CreatedAt, [property: JsonPropertyOrder(1)] string Status, [property: JsonPropertyOrder(2)] string CallId,
    [property: JsonPropertyOrder(3)] string Name, [property: JsonPropertyOrder(4)] System.Text.Json.JsonElement Arguments)
{
    public string Type { get; } = "client_tool_call";

    [JsonPropertyOrder(5)]
    public System.Text.Json.JsonElement? Output { get; init; }

    public const string IdPrefix = "ctc_";

    /// <summary>The item of a stored call: completed with <paramref name="resultJson"/> when it has its result, else pending.</summary>
    public static ClientToolCallItem Of(Guid stepId, Guid sessionId, DateTime createdAt, int index, ToolCall call, string? resultJson)
    {
        System.Text.Json.JsonElement arguments;
        try
        {
            arguments = string.IsNullOrWhiteSpace(call.Function.Arguments)
                ? ContentPart.EmptyData
                : System.Text.Json.JsonDocument.Parse(call.Function.Arguments).RootElement.Clone();
        }
        catch (System.Text.Json.JsonException)
        {
            arguments = ContentPart.EmptyData;
        }

        return new(StepItemId.Of(IdPrefix, stepId, index), sessionId, createdAt, resultJson is null ? "pending" : "completed", call.Id, call.Function.Name, arguments)
        {
            Output = resultJson is null ? null : System.Text.Json.JsonDocument.Parse(resultJson).RootElement.Clone(),
        };
    }
}

/// <summary>What <c>threads.sync_custom_action</c> answers: the item after the action.</summary>
public sealed record SyncCustomActionResponse(object UpdatedItem);

/// <summary>A widget the assistant showed (the reference's <c>WidgetItem</c>); <paramref name="Widget"/> is the widget's own JSON.</summary>
public sealed record WidgetItem(string Id, Guid ThreadId, DateTime CreatedAt, [property: JsonPropertyOrder(1)] System.Text.Json.Nodes.JsonObject Widget, [property: JsonPropertyOrder(2)] string CopyText)
{
    public string Type { get; } = "widget";
}

/// <summary>One tool call in a workflow: what it does, and once it ran, its outcome.</summary>
public sealed record CustomTask(string Title, string? Content, string StatusIndicator)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "custom";
}

public sealed record WorkflowTaskAdded(int TaskIndex, CustomTask Task)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "workflow.task.added";
}

public sealed record WorkflowTaskUpdated(int TaskIndex, CustomTask Task)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "workflow.task.updated";
}

/// <summary><c>active</c>, or <c>locked</c> with the reason the composer shows.</summary>
public sealed record ThreadStatus(string Type, string? Reason = null)
{
    public static readonly ThreadStatus Active = new("active");

    public static ThreadStatus Of(ChatSession session, int maxMessages) =>
        session.MessageCount >= maxMessages ? Locked(maxMessages) : Active;

    public static ThreadStatus Locked(int maxMessages) =>
        new("locked", $"This conversation reached its limit of {maxMessages} messages. Start a new one to go on.");
}

/// <summary>ChatKit's <c>Page</c>: the items, whether more follow, and (only then) the id of the last one as the next cursor.</summary>
public sealed record ThreadItemsPage(IReadOnlyList<object> Data, bool HasMore, string? After = null)
{
    public static readonly ThreadItemsPage Empty = new([], false);
}

/// <summary>
/// A ChatKit thread: a session, with a page of its items (empty in lists and stream events). No title until one is set
/// (a new thread's, as the reference sends it).
/// </summary>
public sealed record ThreadInfo(Guid Id, string? Title, DateTime CreatedAt, ThreadStatus Status)
{
    public IReadOnlyDictionary<string, object> Metadata { get; } = new Dictionary<string, object>();

    public ThreadItemsPage Items { get; init; } = ThreadItemsPage.Empty;

    public static ThreadInfo From(ChatSession s, int maxMessages) => new(s.Id, s.Title, s.CreatedAt, ThreadStatus.Of(s, maxMessages));
}
