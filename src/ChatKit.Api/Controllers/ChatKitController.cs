using System.Text.Json;
using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Hosting;
using ChatKit.Api.Streaming;
using ChatKit.Application.Attachments;
using ChatKit.Application.Common;
using ChatKit.Application.Composer;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Sessions.DeleteSession;
using ChatKit.Application.Threads;
using ChatKit.Application.Widgets;
using ChatKit.Domain.Sessions;
using ChatKit.Api.OpenApi;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Controllers;

/// <summary>
/// The native ChatKit protocol (docs/chatkit.md): one endpoint routed on <c>type</c>, over the same sessions, turns,
/// tools, limits and auth as the REST API. Streaming types answer ChatKit events with no <c>[DONE]</c>; the others the
/// bare ChatKit object. Every failure before a stream is the REST error envelope with the REST status.
/// </summary>
[ApiController]
[Authorize]
[Route("api/v1/chatkit")]
[Tags("ChatKit protocol")]
public sealed class ChatKitController(IMediator mediator, RunStreams streams) : ControllerBase
{
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "input.transcribe", "threads.add_structured_input",
    };

    private string UserId => JwtSetup.UserId(User)!;

    [Idempotency.Idempotent]
    [HttpPost]
    [Consumes("application/json")]
    [Produces("text/event-stream", "application/json")]
    [EndpointSummary("The native ChatKit protocol: one request, routed on its type (docs/chatkit.md)")]
    [EventStream(ChatKitProtocol = true)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.EmptyMessageCode, Errors.MessageTooLongCode, Errors.UnsupportedRequestCode)]
    [ErrorResponse(StatusCodes.Status403Forbidden, Errors.ForbiddenCode)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.SessionNotFoundCode, Errors.ItemNotFoundCode, Errors.TaskNotFoundCode, Errors.AttachmentNotFoundCode)]
    [ErrorResponse(StatusCodes.Status409Conflict, Errors.RunInProgressCode, Errors.NoPendingToolCallCode)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Errors.SessionLimitCode, Errors.MessageLimitCode, Errors.TokenBudgetExceededCode, Errors.StorageLimitCode)]
    [ErrorResponse(StatusCodes.Status503ServiceUnavailable, Errors.DailyCostLimitCode)]
    public async Task<IActionResult> Handle([FromBody] JsonElement body, CancellationToken ct)
    {
        try
        {
            var request = ChatKitRequest.Parse(body);
            return request.Type switch
            {
                "threads.create" => Stream(await mediator.Send(new CreateThreadCommand(UserId, request.Input()), ct)),
                "threads.add_user_message" => Stream(await mediator.Send(
                    new StartRunCommand(UserId, request.RequiredString("thread_id"), null, request.Input()) { InputField = "params.input" }, ct)),
                "threads.retry_after_item" => Stream(await mediator.Send(
                    new RetryAfterItemCommand(UserId, request.RequiredString("thread_id"), request.RequiredString("item_id")), ct)),
                "threads.list" => Object(await mediator.Send(
                    new ListThreadsQuery(UserId, request.Int("limit"), request.String("order"), request.String("after")), ct)),
                "threads.get_by_id" => Object(await mediator.Send(new GetThreadQuery(UserId, request.RequiredString("thread_id")), ct)),
                "items.list" => Object(await mediator.Send(
                    new ListItemsQuery(UserId, request.RequiredString("thread_id"), request.Int("limit"), request.String("order"), request.String("after")), ct)),
                "threads.update" => Object(await mediator.Send(
                    new RenameThreadCommand(UserId, request.RequiredString("thread_id"), request.String("title")), ct)),
                "threads.delete" => EmptyObject(await mediator.Send(new DeleteSessionCommand(UserId, request.RequiredString("thread_id")), ct)),
                "items.feedback" => EmptyObject(await mediator.Send(
                    new FeedbackCommand(UserId, request.RequiredString("thread_id"), request.RequiredStrings("item_ids"), Kind(request)), ct)),
                "threads.add_client_tool_output" => Stream(await mediator.Send(
                    new AddClientToolOutputCommand(UserId, request.RequiredString("thread_id"), request.RequiredJson("result")), ct)),
                "threads.custom_action" => Stream(await mediator.Send(CustomAction(request), ct)),
                "attachments.create" => Object(await mediator.Send(
                    new CreateAttachmentCommand(UserId, request.String("name"), request.Long("size"), request.String("mime_type")) { FieldPrefix = "params." }, ct)),
                "attachments.delete" => EmptyObject(await mediator.Send(new DeleteAttachmentCommand(UserId, request.RequiredString("attachment_id")), ct)),
                "threads.sync_custom_action" => Object(
                    (await mediator.Send(SyncCustomAction(request), ct)).Map(item => new SyncCustomActionResponse(item))),
                var type when Unsupported.Contains(type) => ApiErrors.ToActionResult(Errors.UnsupportedRequest(type)),
                var type => ApiErrors.ToActionResult(Errors.Invalid("type", $"{type} is not a ChatKit request type")),
            };
        }
        catch (RequestShapeException ex)
        {
            return ApiErrors.ToActionResult(ex.ToError());
        }
    }

    [HttpGet("composer")]
    [Produces("application/json")]
    [EndpointSummary("The models and tools for ChatKit's composer (composer.models, composer.tools)")]
    [ProducesResponseType<ComposerDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Composer(CancellationToken ct) => Object(await mediator.Send(new GetComposerQuery(), ct));

    private CustomActionCommand CustomAction(ChatKitRequest request)
    {
        var (type, taskId) = request.Action();
        return new CustomActionCommand(UserId, request.RequiredString("thread_id"), request.String("item_id"), type, taskId);
    }

    private SyncCustomActionCommand SyncCustomAction(ChatKitRequest request)
    {
        var (type, taskId) = request.Action();
        return new SyncCustomActionCommand(UserId, request.RequiredString("thread_id"), request.String("item_id"), type, taskId);
    }

    private static MessageFeedback Kind(ChatKitRequest request) => request.RequiredString("kind") switch
    {
        "positive" => MessageFeedback.Positive,
        "negative" => MessageFeedback.Negative,
        _ => throw new RequestShapeException("params.kind", "kind must be positive or negative"),
    };

    private IActionResult Stream(Result<Guid> started) =>
        started.IsSuccess
            ? streams.AttachStarter(started.Value, ServerSentEventsResult.Framing.ChatKit)
            : ApiErrors.ToActionResult(started.Error!);

    private static IActionResult Object<T>(Result<T> result) =>
        result.IsSuccess ? new JsonResult(result.Value, JsonDefaults.Stream) : ApiErrors.ToActionResult(result.Error!);

    private static IActionResult EmptyObject<T>(Result<T> result) =>
        result.IsSuccess ? new JsonResult(new { }, JsonDefaults.Stream) : ApiErrors.ToActionResult(result.Error!);
}
