using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Sessions;

/// <summary>The one place that turns a path id and a user into the user's session, a 404 or a 403.</summary>
public static class OwnedSession
{
    public static async Task<Result<ChatSession>> LoadAsync(
        ISessionStore store, string rawSessionId, string userId, CancellationToken ct)
    {
        var id = PathId.Parse(rawSessionId, Errors.SessionNotFound);
        if (!id.IsSuccess)
        {
            return id.Error!;
        }

        var lookup = await store.FindAsync(id.Value, userId, ct).ConfigureAwait(false);
        return ToResult(lookup.Access, rawSessionId, lookup.Session);
    }

    public static Result<ChatSession> ToResult(SessionAccess access, string rawSessionId, ChatSession? session) => access switch
    {
        SessionAccess.Owned => session!,
        SessionAccess.Forbidden => Errors.Forbidden,
        _ => Errors.SessionNotFound(rawSessionId),
    };
}
