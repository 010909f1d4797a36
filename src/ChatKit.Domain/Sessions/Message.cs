namespace ChatKit.Domain.Sessions;

public enum MessageRole
{
    User,
    Assistant,
    Tool,
}

public enum MessageStatus
{
    Completed,
    Incomplete,
}

/// <summary>One content part of a message: <c>input_text</c> for users, <c>output_text</c> for the assistant.</summary>
public sealed record ContentPart(string Type, string Text)
{
    public const string InputText = "input_text";
    public const string OutputText = "output_text";
}

/// <summary>A tool call in OpenAI's shape: <c>{"id", "type": "function", "function": {"name", "arguments"}}</c>.</summary>
public sealed record ToolCall(string Id, string Type, ToolCallFunction Function);

public sealed record ToolCallFunction(string Name, string Arguments);

public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record ChatMessage(
    Guid Id,
    Guid SessionId,
    MessageRole Role,
    IReadOnlyList<ContentPart> Content,
    IReadOnlyList<ToolCall>? ToolCalls,
    MessageStatus Status,
    DateTime CreatedAt,
    string? Model = null,
    TokenUsage? Usage = null)
{
    /// <summary>The message's text: its parts joined with a newline, as the contract defines it.</summary>
    public string Text => Content.Count == 1 ? Content[0].Text : string.Join('\n', Content.Select(c => c.Text));

    public static ChatMessage FromUser(Guid sessionId, string text, DateTime createdAt) =>
        new(Guid.CreateVersion7(), sessionId, MessageRole.User, [new ContentPart(ContentPart.InputText, text)],
            null, MessageStatus.Completed, createdAt);
}
