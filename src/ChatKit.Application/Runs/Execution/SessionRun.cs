using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Sessions;

namespace ChatKit.Application.Runs.Execution;

/// <summary>
/// Finds a run of the user's session: the session's 403/404 first, then 404 <c>RUN_NOT_FOUND</c>, or 503 when the shared
/// run log cannot be asked.
/// </summary>
internal static class SessionRun
{
    public static async Task<Result<RunInfo>> FindAsync(
        ISessionStore sessions, IRunEventLog log, string userId, string rawSessionId, string rawRunId, CancellationToken ct)
    {
        var session = await OwnedSession.LoadAsync(sessions, rawSessionId, userId, ct).ConfigureAwait(false);
        if (!session.IsSuccess)
        {
            return session.Error!;
        }

        var runId = PathId.Parse(rawRunId, Errors.RunNotFound);
        if (!runId.IsSuccess)
        {
            return runId.Error!;
        }

        try
        {
            return await log.FindAsync(runId.Value, ct).ConfigureAwait(false) is { } run && run.SessionId == session.Value.Id
                ? run
                : Errors.RunNotFound(rawRunId);
        }
        catch (RunLogUnreachableException)
        {
            return Errors.RunLogUnreachable;
        }
    }
}
