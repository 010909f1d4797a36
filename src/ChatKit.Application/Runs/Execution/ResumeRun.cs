using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Runs.Execution;

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
