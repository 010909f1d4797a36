using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Sessions;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Runs.Execution;

/// <summary>Finds a run of the user's session: the session's 403/404 first, then 404 <c>RUN_NOT_FOUND</c>.</summary>
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

        return await log.FindAsync(runId.Value, ct).ConfigureAwait(false) is { } run && run.SessionId == session.Value.Id
            ? run
            : Errors.RunNotFound(rawRunId);
    }
}

/// <summary>Reattach to a run: its events after <see cref="After"/> (the client's <c>Last-Event-ID</c>), then live.</summary>
public sealed record ResumeRunQuery(string UserId, string SessionId, string RunId, long After) : IQuery<Result<RunInfo>>;

public sealed class ResumeRunValidator : AbstractValidator<ResumeRunQuery>
{
    public ResumeRunValidator() =>
        RuleFor(q => q.After).GreaterThanOrEqualTo(0).OverridePropertyName("last_event_id").WithMessage("Last-Event-ID must be a whole number of 0 or more");
}

public sealed class ResumeRunHandler(ISessionStore sessions, IRunEventLog log) : IQueryHandler<ResumeRunQuery, Result<RunInfo>>
{
    public async ValueTask<Result<RunInfo>> Handle(ResumeRunQuery query, CancellationToken cancellationToken)
    {
        var run = await SessionRun.FindAsync(sessions, log, query.UserId, query.SessionId, query.RunId, cancellationToken).ConfigureAwait(false);
        if (!run.IsSuccess)
        {
            return run;
        }

        // A client can have seen the events so far and, once the run ended, the [DONE] numbered after them; nothing more.
        var seen = run.Value.LastEventId + (run.Value.Ended ? 1 : 0);
        if (query.After > seen)
        {
            return Errors.Invalid("last_event_id", $"Last-Event-ID {query.After} is past the run's last event ({seen})");
        }

        return query.After + 1 < run.Value.FirstKept ? Errors.RunEventsTruncated : run;
    }
}

public sealed record CancelledRunDto(bool Cancelled, Guid RunId);

/// <summary>
/// Stops a run from anywhere: the session is freed for a new run at once (its claim released here), and the instance
/// that runs the run closes the upstream, stores the partial reply and ends every attached stream.
/// </summary>
public sealed record CancelRunCommand(string UserId, string SessionId, string RunId) : ICommand<Result<CancelledRunDto>>;

public sealed class CancelRunHandler(ISessionStore sessions, ITurnStore turns, IRunEventLog log, RunHost runs)
    : ICommandHandler<CancelRunCommand, Result<CancelledRunDto>>
{
    public async ValueTask<Result<CancelledRunDto>> Handle(CancelRunCommand command, CancellationToken cancellationToken)
    {
        var run = await SessionRun.FindAsync(sessions, log, command.UserId, command.SessionId, command.RunId, cancellationToken).ConfigureAwait(false);
        if (!run.IsSuccess)
        {
            return run.Error!;
        }

        if (run.Value.Ended)
        {
            return Errors.RunNotActive(command.RunId);
        }

        await turns.ReleaseRunClaimAsync(run.Value.SessionId, run.Value.RunId, cancellationToken).ConfigureAwait(false);
        await runs.RequestCancelAsync(run.Value.RunId).ConfigureAwait(false);
        return new CancelledRunDto(true, run.Value.RunId);
    }
}
