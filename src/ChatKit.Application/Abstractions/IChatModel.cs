using System.Text.Json;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Abstractions;

/// <summary>
/// One message of a prompt: text, and for an assistant step its tool calls, for a tool result its call id, for a user
/// message the files it carries.
/// </summary>
public sealed record PromptMessage(MessageRole Role, string Text, IReadOnlyList<ToolCall>? ToolCalls = null, string? ToolCallId = null)
{
    public IReadOnlyList<PromptAttachment> Attachments { get; init; } = [];
}

/// <summary>
/// A file of a user message as the model gets it: an image as its bytes (sent as an image part), anything else as text
/// (a text file's content, cut at the limit with a marker; other files a line with their name and size). Built without
/// content by the prompt builder; the content is read just before the call.
/// </summary>
public sealed record PromptAttachment(Guid Id, string Name, string MimeType, long Size)
{
    /// <summary>An image's bytes and type, for an image part.</summary>
    public byte[]? Image { get; init; }

    /// <summary>What the model reads in place of the file, when it is not an image.</summary>
    public string? Text { get; init; }

    public bool IsLoaded => Image is not null || Text is not null;
}

/// <summary>A function the model may call: its name, what it does, and a JSON schema of its parameters.</summary>
public sealed record ToolDefinition(string Name, string Description, JsonElement Parameters);

/// <param name="Tools">What the model may call in this request; empty for a request that must answer in words.</param>
public sealed record ChatPrompt(string SystemPrompt, IReadOnlyList<PromptMessage> Messages, IReadOnlyList<ToolDefinition> Tools)
{
    /// <summary>The upstream model of this request (one of <c>MODELS</c>); null: the adapter's default.</summary>
    public string? Model { get; init; }

    /// <summary>A tool the request must call (the composer's choice, on a turn's first call only); null: the model chooses.</summary>
    public string? ToolChoice { get; init; }
}

/// <summary>Why the model stopped, as the upstream's <c>finish_reason</c> said.</summary>
public enum ModelFinish
{
    Stop,
    ToolCalls,
    Length,
    ContentFilter,
}

/// <summary>
/// One piece of a streamed model call: a text delta, a whole tool call (assembled from its deltas), the token
/// usage, or the finish reason (the last thing a call yields).
/// </summary>
public sealed record ChatModelUpdate(string? TextDelta, TokenUsage? Usage = null, ToolCall? ToolCall = null, ModelFinish? Finish = null);

/// <summary>
/// Thrown by a model adapter when the upstream fails in a way the user should hear about: an error status,
/// a timeout, malformed data or a cut connection. <see cref="Exception.Message"/> is safe to show.
/// </summary>
public sealed class ChatModelException : Exception
{
    public ChatModelException()
    {
    }

    public ChatModelException(string message)
        : base(message)
    {
    }

    public ChatModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The LLM port: streams one model call. A call that ends without a finish reason was cut, and the adapter
/// throws <see cref="ChatModelException"/> for it. Cancelling the token closes the upstream request at once.
/// </summary>
public interface IChatModel
{
    string Name { get; }

    IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatPrompt prompt, CancellationToken ct);
}
