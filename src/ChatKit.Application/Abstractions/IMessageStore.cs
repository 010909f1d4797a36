using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Abstractions;

public sealed record MessagePage(IReadOnlyList<ChatMessage> Items, string? NextCursor);

/// <summary>Reads of a session's messages (they are written only as part of a turn, through <see cref="ITurnStore"/>).</summary>
public interface IMessageStore
{
    /// <summary>The user's session's messages oldest first, tool steps included; empty when the session is not theirs.</summary>
    Task<MessagePage> GetMessagesAsync(Guid sessionId, string userId, int? limit, string? after, CancellationToken ct);
}
