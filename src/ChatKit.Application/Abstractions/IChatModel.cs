using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Abstractions;

public sealed record PromptMessage(MessageRole Role, string Text);

public sealed record ChatPrompt(string SystemPrompt, IReadOnlyList<PromptMessage> Messages);

/// <summary>One piece of a streamed reply: a text delta, the token usage (usually last), or both.</summary>
public sealed record ChatModelUpdate(string? TextDelta, TokenUsage? Usage = null);

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

/// <summary>The LLM port: streams a reply to a prompt. Cancelling the token cancels the upstream request at once.</summary>
public interface IChatModel
{
    string Name { get; }

    IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatPrompt prompt, CancellationToken ct);
}
