using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Abstractions;

/// <summary>A page of a session's messages, oldest first, tool steps included, and the cursor of the next one.</summary>
public sealed record MessagePage(IReadOnlyList<ChatMessage> Items, string? NextCursor);

/// <summary>Reads of a session's messages (they are written only as part of a turn, through <see cref="ITurnStore"/>).</summary>
public interface IMessageStore
{
    /// <summary>
    /// At most <paramref name="take"/> of the user's session's user and assistant messages (no tool results) in
    /// <c>(created_at, id)</c> order, starting after the message <paramref name="after"/> (exclusive) or, with
    /// <paramref name="including"/>, at it.
    /// </summary>
    Task<IReadOnlyList<ChatMessage>> ReadAsync(
        Guid sessionId, string userId, Guid? after, bool including, bool descending, int take, CancellationToken ct);

    /// <summary>The tool messages of the user's session that answer these call ids.</summary>
    Task<IReadOnlyList<ChatMessage>> ReadToolResultsAsync(Guid sessionId, string userId, IReadOnlyList<string> callIds, CancellationToken ct);

    /// <summary>
    /// Sets the feedback on the messages if every one is an assistant message of the user's session, and each of
    /// <paramref name="workflowIds"/> one with tool calls (a workflow item); else changes nothing. Answers how many qualify.
    /// </summary>
    Task<int> SetFeedbackAsync(
        Guid sessionId, string userId, IReadOnlyList<Guid> messageIds, IReadOnlyList<Guid> workflowIds, MessageFeedback feedback, CancellationToken ct);
}
