using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Streaming;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Sessions.Branches;
using ChatKit.Application.Sessions.CreateSession;
using ChatKit.Application.Sessions.DeleteSession;
using ChatKit.Application.Sessions.EnsureThread;
using ChatKit.Application.Sessions.GetSession;
using ChatKit.Application.Sessions.ListSessions;
using ChatKit.Application.Sessions.RenameSession;
using ChatKit.Api.OpenApi;
using ChatKit.Application.Common;
using ChatKit.Application.Sessions;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace ChatKit.Api.Controllers;

public sealed record CreateSessionBody(string? Title);

public sealed record RenameSessionBody(string? Title);

/// <summary>The sessions API of the contract. Each action binds, sends one message, and maps the result.</summary>
[ApiController]
[Authorize]
[Route("api/v1/chatkit/sessions")]
[Produces("application/json")]
[Tags("Sessions")]
public sealed class SessionsController(IMediator mediator, RunStreams streams) : ControllerBase
{
    private string UserId => JwtSetup.UserId(User)!;

    [HttpPost]
    [EndpointSummary("Create a session (at most MAX_SESSIONS_PER_USER per user)")]
    [ProducesResponseType<SessionDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Errors.SessionLimitCode)]
    public async Task<IActionResult> Create(
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] CreateSessionBody? body, CancellationToken ct) =>
        (await mediator.Send(new CreateSessionCommand(UserId, body?.Title), ct)).ToActionResult();

    [HttpGet]
    [EndpointSummary("The caller's sessions, most recently updated first; meta.total, and meta.next_cursor when paging")]
    [ProducesResponseType<IReadOnlyList<SessionDto>>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    public async Task<IActionResult> List([FromQuery] int? limit, [FromQuery] string? after, CancellationToken ct) =>
        (await mediator.Send(new ListSessionsQuery(UserId, limit, after), ct))
        .ToActionResult(page => page.Items, page => new ListMeta(page.Total, page.NextCursor));

    [HttpGet("{sessionId}")]
    [EndpointSummary("A session with its messages (oldest first), its active run and its usage")]
    [ProducesResponseType<SessionDetailDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode)]
    public async Task<IActionResult> Get(string sessionId, [FromQuery] int? limit, [FromQuery] string? after, CancellationToken ct) =>
        (await mediator.Send(new GetSessionQuery(UserId, sessionId, limit, after), ct))
        .ToActionResult(page => page.Session, page => page.NextCursor is null ? null : new ListMeta(null, page.NextCursor));

    [HttpPatch("{sessionId}")]
    [EndpointSummary("Rename a session (its first message then no longer names it)")]
    [ProducesResponseType<SessionDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode)]
    public async Task<IActionResult> Rename(string sessionId, [FromBody] RenameSessionBody body, CancellationToken ct) =>
        (await mediator.Send(new RenameSessionCommand(UserId, sessionId, body.Title), ct)).ToActionResult();

    [HttpDelete("{sessionId}")]
    [EndpointSummary("Delete a session and its messages")]
    [ProducesResponseType<DeletedDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode)]
    public async Task<IActionResult> Delete(string sessionId, CancellationToken ct) =>
        (await mediator.Send(new DeleteSessionCommand(UserId, sessionId), ct)).ToActionResult();

    [HttpPost("{sessionId}/threads")]
    [EndpointSummary("The session's one thread (its id is the session id); idempotent")]
    [ProducesResponseType<ThreadDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode)]
    public async Task<IActionResult> EnsureThread(string sessionId, CancellationToken ct) =>
        (await mediator.Send(new EnsureThreadCommand(UserId, sessionId), ct)).ToActionResult();

    /// <summary>Commits the user message (or answers a JSON error), then streams the reply as Server-Sent Events.</summary>
    [Idempotency.Idempotent]
    [HttpPost("{sessionId}/threads/{threadId}/runs")]
    [Produces("text/event-stream", "application/json")]
    [EndpointSummary("Send a message: stored before the stream starts, then the reply (and tool steps) as Server-Sent Events")]
    [EventStream]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.EmptyMessageCode, Errors.MessageTooLongCode)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode, Errors.ThreadNotFoundCode)]
    [ErrorResponse(StatusCodes.Status409Conflict, Errors.RunInProgressCode)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Errors.MessageLimitCode, Errors.TokenBudgetExceededCode)]
    [ErrorResponse(StatusCodes.Status503ServiceUnavailable, Errors.DailyCostLimitCode)]
    public Task<IActionResult> Run(string sessionId, string threadId, [FromBody] RunRequestBody body, CancellationToken ct) =>
        StartAsync(body, message => new StartRunCommand(UserId, sessionId, threadId, message.Input, body.Background ?? false), ct);

    /// <summary>A run's start from its body: the body's shape checked, the turn started, then its stream (or the refusal).</summary>
    private async Task<IActionResult> StartAsync(RunRequestBody body, Func<RunMessageInput, StartRunCommand> command, CancellationToken ct)
    {
        if (RunRequestBodyValidator.Check(body) is { } shape)
        {
            return ApiErrors.ToActionResult(shape);
        }

        var started = await mediator.Send(command(body.Message!), ct);
        return started.IsSuccess ? streams.AttachStarter(started.Value, ServerSentEventsResult.Framing.Rest) : ApiErrors.ToActionResult(started.Error!);
    }

    /// <summary>
    /// Edits a user message of the active branch: the new message becomes its sibling (the old one and what followed it stay,
    /// as another branch) and the reply streams as a run's does.
    /// </summary>
    [Idempotency.Idempotent]
    [HttpPost("{sessionId}/messages/{messageId}/edit")]
    [Produces("text/event-stream", "application/json")]
    [EndpointSummary("Edit a user message: a new branch from that point (the old one is kept), then the reply as Server-Sent Events")]
    [EventStream]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.EmptyMessageCode, Errors.MessageTooLongCode)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode, Errors.MessageNotFoundCode)]
    [ErrorResponse(StatusCodes.Status409Conflict, Errors.RunInProgressCode)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Errors.TokenBudgetExceededCode)]
    [ErrorResponse(StatusCodes.Status503ServiceUnavailable, Errors.DailyCostLimitCode)]
    public Task<IActionResult> Edit(string sessionId, string messageId, [FromBody] RunRequestBody body, CancellationToken ct) =>
        StartAsync(body, message => new StartRunCommand(UserId, sessionId, null, message.Input, body.Background ?? false) { EditOf = messageId }, ct);

    [HttpPost("{sessionId}/messages/{messageId}/activate")]
    [EndpointSummary("Show the branch through this message: the session's messages and its prompt follow it from now on")]
    [ProducesResponseType<SessionDetailDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode, Errors.MessageNotFoundCode)]
    [ErrorResponse(StatusCodes.Status409Conflict, Errors.RunInProgressCode)]
    public async Task<IActionResult> Activate(string sessionId, string messageId, CancellationToken ct) =>
        (await mediator.Send(new ActivateBranchCommand(UserId, sessionId, messageId), ct)).ToActionResult(page => page.Session, _ => null);

    /// <summary>
    /// Reattaches to a run: the events after <c>Last-Event-ID</c> (or <c>?after=</c>), with their first ids and bytes, then
    /// live until the run ends, then <c>[DONE]</c>.
    /// </summary>
    [HttpGet("{sessionId}/runs/{runId}/events")]
    [Produces("text/event-stream", "application/json")]
    [EndpointSummary("Resume a run: the events after Last-Event-ID (or ?after=) with their first ids and bytes, then live")]
    [EventStream]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode, Errors.RunNotFoundCode)]
    [ErrorResponse(StatusCodes.Status410Gone, Errors.RunEventsTruncatedCode)]
    public async Task<IActionResult> Events(
        string sessionId, string runId, [FromHeader(Name = "Last-Event-ID")] string? lastEventId, [FromQuery] string? after, CancellationToken ct)
    {
        var raw = lastEventId ?? after;
        var from = raw is null ? 0 : long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1;
        var run = await mediator.Send(new ResumeRunQuery(UserId, sessionId, runId, from), ct);
        return run.IsSuccess ? streams.Attach(run.Value, from, ServerSentEventsResult.Framing.Rest) : ApiErrors.ToActionResult(run.Error!);
    }

    [HttpPost("{sessionId}/runs/{runId}/cancel")]
    [EndpointSummary("Stop a run from any instance: the partial reply is stored incomplete, attached streams end")]
    [ProducesResponseType<CancelledRunDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode, Errors.RunNotFoundCode)]
    [ErrorResponse(StatusCodes.Status409Conflict, Errors.RunNotActiveCode)]
    public async Task<IActionResult> Cancel(string sessionId, string runId, CancellationToken ct) =>
        (await mediator.Send(new CancelRunCommand(UserId, sessionId, runId), ct)).ToActionResult();
}
