using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatKit.Domain.Sessions;

public enum MessageRole
{
    User,
    Assistant,
    Tool,

    /// <summary>
    /// A line the service adds to the conversation for the model, never shown as an item and not counted against
    /// <c>MAX_MESSAGES_PER_SESSION</c>: what the user did through a widget, in words.
    /// </summary>
    Note,
}

public enum MessageStatus
{
    Completed,
    Incomplete,
}

/// <summary>What the user said of an assistant message (ChatKit's <c>items.feedback</c>).</summary>
public enum MessageFeedback
{
    Positive,
    Negative,
}

/// <summary>
/// One content part of a message: <c>input_text</c> (and <c>input_tag</c>, an @-mention) for users, <c>output_text</c> for
/// the assistant, <c>tool_result</c> for tools, <c>note</c> for notes. A tag keeps what the client sent: its id, its data
/// (a JSON object), its group and whether it is interactive.
/// </summary>
public sealed record ContentPart(string Type, string Text)
{
    public const string InputText = "input_text";
    public const string InputTag = "input_tag";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Data { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Group { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Interactive { get; init; }

    public bool IsTag => Type == InputTag;

    /// <summary>How the model reads the part: a tag with both its text and its id, so a tool can act on it without a search.</summary>
    public string PromptText => IsTag ? $"{Text} ({(Group is "Tasks" ? "task" : Group ?? "tag")} {Id})" : Text;
    public const string OutputText = "output_text";
    public const string ToolResult = "tool_result";
    public const string Note = "note";

    /// <summary>A tag's data when the client sent none: an empty JSON object (ChatKit's type requires an object).</summary>
    public static readonly JsonElement EmptyData = JsonDocument.Parse("{}").RootElement.Clone();
}

/// <summary>
/// A message among its siblings (the versions an edit or a retry made of one point of the conversation), oldest first:
/// <paramref name="Index"/> is its place in <paramref name="SiblingIds"/>, which holds it too.
/// </summary>
public sealed record MessageBranch(int Index, int Count, IReadOnlyList<Guid> SiblingIds);

/// <summary>A tool call in OpenAI's shape: <c>{"id", "type": "function", "function": {"name", "arguments"}}</c>.</summary>
public sealed record ToolCall(string Id, string Type, ToolCallFunction Function);

public sealed record ToolCallFunction(string Name, string Arguments);

/// <param name="CostUsd">What the upstream said the call cost (OpenRouter's <c>usage.cost</c>); null when it did not say.</param>
public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int TotalTokens, decimal? CostUsd = null)
{
    public static TokenUsage? Sum(TokenUsage? a, TokenUsage? b) => (a, b) switch
    {
        (null, _) => b,
        (_, null) => a,
        _ => new(a.PromptTokens + b.PromptTokens, a.CompletionTokens + b.CompletionTokens, a.TotalTokens + b.TotalTokens),
    };
}

public sealed record ChatMessage(
    Guid Id,
    Guid SessionId,
    MessageRole Role,
    IReadOnlyList<ContentPart> Content,
    IReadOnlyList<ToolCall>? ToolCalls,
    MessageStatus Status,
    DateTime CreatedAt,
    string? Model = null,
    TokenUsage? Usage = null,
    string? ToolCallId = null,
    MessageFeedback? Feedback = null)
{
    /// <summary>Whether the message counts against <c>MAX_MESSAGES_PER_SESSION</c> (tool results and notes do not).</summary>
    public bool Counts => Role is MessageRole.User or MessageRole.Assistant;

    /// <summary>An assistant reply the user stopped (a hang-up or a cancel) before it finished.</summary>
    public bool Stopped { get; init; }

    /// <summary>
    /// The message's text: its parts in order (a user's text parts were joined with a newline when it was sent, and a tag
    /// adds its text where it stands: <c>Move </c> + <c>Buy milk</c> + <c> to high</c>).
    /// </summary>
    public string Text => Content.Count == 1 ? Content[0].Text : string.Concat(Content.Select(c => c.Text));

    /// <summary>What the user quoted when replying (ChatKit's reply-to).</summary>
    public string? QuotedText { get; init; }

    /// <summary>
    /// The message this one follows in its branch (the session's id for a first message): an edit or a retry starts a
    /// sibling with the same parent. Null on a message stored before branches, until its session first branches.
    /// </summary>
    public Guid? ParentId { get; init; }

    /// <summary>Where the message stands among its siblings, when it has some (read for the session's detail only).</summary>
    public MessageBranch? Branch { get; init; }

    /// <summary>The tool the user chose in the composer for the turn's first model call (a user message only).</summary>
    public string? ToolChoice { get; init; }

    /// <summary>The files a user message carries, in the order they were sent (those deleted since are gone from it).</summary>
    public IReadOnlyList<Attachments.Attachment> Attachments { get; init; } = [];

    /// <summary>How the model reads the message: what it quotes first, then its parts with each tag's id.</summary>
    public string PromptText
    {
        get
        {
            var text = Content.Count == 1 ? Content[0].PromptText : string.Concat(Content.Select(c => c.PromptText));
            return QuotedText is { Length: > 0 } quoted
                ? string.Join('\n', quoted.Split('\n').Select(line => "> " + line)) + "\n\n" + text
                : text;
        }
    }

    public static ChatMessage FromUser(Guid sessionId, string text, DateTime createdAt) =>
        FromUser(sessionId, UserInput.FromText(text), createdAt);

    /// <summary>A user's message as sent: its parts, what it quotes, and the model and tool the composer chose.</summary>
    public static ChatMessage FromUser(Guid sessionId, UserInput input, DateTime createdAt)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new(Guid.CreateVersion7(), sessionId, MessageRole.User, input.Parts, null, MessageStatus.Completed, createdAt, input.Model)
        {
            QuotedText = input.QuotedText,
            ToolChoice = input.ToolChoice,
        };
    }

    public static ChatMessage FromNote(Guid sessionId, string text, DateTime createdAt) =>
        new(Guid.CreateVersion7(), sessionId, MessageRole.Note, [new ContentPart(ContentPart.Note, text)], null, MessageStatus.Completed, createdAt);

    public static ChatMessage FromTool(Guid sessionId, string toolCallId, string resultJson, DateTime createdAt) =>
        new(Guid.CreateVersion7(), sessionId, MessageRole.Tool, [new ContentPart(ContentPart.ToolResult, resultJson)],
            null, MessageStatus.Completed, createdAt, ToolCallId: toolCallId);
}
