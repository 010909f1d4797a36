using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Tasks;
using ChatKit.Application.Tools;
using ChatKit.Application.Widgets;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Runs.Engine;

/// <summary>
/// What happened in a turn, in order, independent of any wire protocol. A mapper turns these into the
/// events of a protocol (ChatKit thread-stream events for the REST stream and the native endpoint).
/// </summary>
public abstract record TurnEvent;

/// <summary>The user's message is stored (or, for a retry or a continuation, was already); the turn begins.</summary>
/// <param name="Answered">A continuation's client tool call, now answered (its item is done).</param>
public sealed record TurnStarted(ChatMessage UserMessage, bool IsRetry, ClientToolCallItem? Answered = null) : TurnEvent;

/// <summary>A piece of the text of step <paramref name="MessageId"/> (the id its assistant message is stored under).</summary>
public sealed record TextDelta(Guid MessageId, Guid SessionId, DateTime CreatedAt, string Delta) : TurnEvent;

/// <summary>Call <paramref name="Index"/> of a step is about to run.</summary>
/// <param name="Icon">The icon of the progress line shown while it runs.</param>
public sealed record ToolCallStarted(Guid StepId, Guid SessionId, DateTime CreatedAt, int Index, ToolCall Call, string Title, string Icon) : TurnEvent;

/// <summary>Call <paramref name="Index"/> of a step has run (successfully or not: a failing tool is a result).</summary>
/// <param name="Summary">The short outcome people see, e.g. <c>Added “Buy milk”</c> or the error.</param>
/// <param name="Change">How the call changed a task, when it did.</param>
public sealed record ToolCallFinished(Guid StepId, int Index, string Title, ToolOutcome Outcome, string Summary, TaskChange? Change) : TurnEvent;

/// <summary>
/// A step is complete: its assistant message, the results of its calls and the widgets of its listing calls are handed
/// to the turn writer (a tool step) or stored (the final reply, which is written last and waited for).
/// </summary>
public sealed record StepCompleted(ChatMessage Assistant, IReadOnlyList<ChatMessage> ToolResults, IReadOnlyList<TaskListWidget> Widgets) : TurnEvent;

/// <summary>A client tool call of step <paramref name="StepId"/> waits for the browser's answer.</summary>
public sealed record ClientToolCallPending(Guid StepId, Guid SessionId, DateTime CreatedAt, int Index, ToolCall Call) : TurnEvent;

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

    /// <summary>The model called a client tool: the step is stored, the turn waits for <c>threads.add_client_tool_output</c>.</summary>
    Paused,
}

/// <param name="Thread">The thread, when the turn changed it: its first message named it, or it filled it (locked).</param>
public sealed record TurnFinished(TurnEnding Ending, ThreadInfo? Thread) : TurnEvent;
