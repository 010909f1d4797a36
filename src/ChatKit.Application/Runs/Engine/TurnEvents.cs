using ChatKit.Application.Tools;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Runs.Engine;

/// <summary>
/// What happened in a turn, in order, independent of any wire protocol. A mapper turns these into the
/// events of a protocol (ChatKit thread-stream events for the REST stream and the native endpoint).
/// </summary>
public abstract record TurnEvent;

/// <summary>The user's message is stored (or, for a retry, was already); the turn begins.</summary>
public sealed record TurnStarted(ChatMessage UserMessage, bool IsRetry) : TurnEvent;

/// <summary>A piece of the text of step <paramref name="MessageId"/> (the id its assistant message is stored under).</summary>
public sealed record TextDelta(Guid MessageId, Guid SessionId, DateTime CreatedAt, string Delta) : TurnEvent;

/// <summary>Call <paramref name="Index"/> of a step is about to run.</summary>
public sealed record ToolCallStarted(Guid StepId, Guid SessionId, DateTime CreatedAt, int Index, ToolCall Call, string Title) : TurnEvent;

/// <summary>Call <paramref name="Index"/> of a step has run (successfully or not: a failing tool is a result).</summary>
/// <param name="Summary">The short outcome people see, e.g. <c>Added “Buy milk”</c> or the error.</param>
public sealed record ToolCallFinished(Guid StepId, int Index, string Title, ToolOutcome Outcome, string Summary) : TurnEvent;

/// <summary>
/// A step is complete: its assistant message and the results of its calls are handed to the turn writer (a tool step)
/// or stored (the final reply, which is written last and waited for).
/// </summary>
public sealed record StepCompleted(ChatMessage Assistant, IReadOnlyList<ChatMessage> ToolResults) : TurnEvent;

/// <summary>The turn failed; <paramref name="Message"/> is safe to show. What it produced is stored <c>incomplete</c>.</summary>
public sealed record TurnFailed(string Message) : TurnEvent;

public enum TurnEnding
{
    Completed,

    /// <summary>The model stopped at its length limit (<c>finish_reason: length</c>); the reply is stored incomplete.</summary>
    LengthLimit,

    /// <summary>The provider's content filter stopped the reply; it is stored incomplete.</summary>
    ContentFilter,

    /// <summary>The run was cancelled (its client hung up, or a cancel request); the reply is stored incomplete.</summary>
    Cancelled,
}

/// <param name="RenamedSession">The session, when this turn's first message gave it its title.</param>
public sealed record TurnFinished(TurnEnding Ending, ChatSession? RenamedSession) : TurnEvent;
