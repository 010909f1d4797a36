using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Application.Tasks;
using ChatKit.Api.OpenApi;
using ChatKit.Application.Common;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Controllers;

public sealed record CreateTaskBody(string? Title, string? Description, string? Priority, IReadOnlyList<string?>? Tags);

public sealed record UpdateTaskBody(string? Title, string? Description, string? Priority, bool? Completed, IReadOnlyList<string?>? Tags);

/// <summary>The tasks API: the same tasks the assistant's tools act on, for the token's user only.</summary>
[ApiController]
[Authorize]
[Route("api/v1/tasks")]
[Produces("application/json")]
[Tags("Tasks")]
public sealed class TasksController(IMediator mediator) : ControllerBase
{
    private string UserId => JwtSetup.UserId(User)!;

    [HttpGet]
    [EndpointSummary("The caller's tasks, filtered (status, q, tag, priority) and paged")]
    [ProducesResponseType<IReadOnlyList<TaskDto>>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    public async Task<IActionResult> List(
        [FromQuery] string? status, [FromQuery] string? q, [FromQuery] string? tag, [FromQuery] string? priority,
        [FromQuery] int? limit, [FromQuery] string? after, CancellationToken ct) =>
        (await mediator.Send(new ListTasksQuery(UserId, status, q, tag, priority, limit, after), ct))
        .ToActionResult(page => page.Items, page => new ListMeta(page.Total, page.NextCursor));

    [Idempotency.Idempotent]
    [HttpPost]
    [EndpointSummary("Create a task")]
    [ProducesResponseType<TaskDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Errors.TaskLimitCode)]
    public async Task<IActionResult> Create([FromBody] CreateTaskBody body, CancellationToken ct) =>
        (await mediator.Send(new CreateTaskCommand(UserId, new TaskDraft(body.Title, body.Description, body.Priority, body.Tags)), ct))
        .ToActionResult();

    [HttpGet("{taskId}")]
    [EndpointSummary("One task")]
    [ProducesResponseType<TaskDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.TaskNotFoundCode)]
    public async Task<IActionResult> Get(string taskId, CancellationToken ct) =>
        (await mediator.Send(new GetTaskQuery(UserId, taskId), ct)).ToActionResult();

    [HttpPatch("{taskId}")]
    [EndpointSummary("Change a task's fields (only those given)")]
    [ProducesResponseType<TaskDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.TaskNotFoundCode)]
    public async Task<IActionResult> Update(string taskId, [FromBody] UpdateTaskBody body, CancellationToken ct) =>
        (await mediator.Send(
            new UpdateTaskCommand(UserId, taskId, new TaskChanges(body.Title, body.Description, body.Priority, body.Completed, body.Tags)), ct))
        .ToActionResult();

    [HttpDelete("{taskId}")]
    [EndpointSummary("Delete a task")]
    [ProducesResponseType<DeletedTaskDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status404NotFound, Errors.TaskNotFoundCode)]
    public async Task<IActionResult> Delete(string taskId, CancellationToken ct) =>
        (await mediator.Send(new DeleteTaskCommand(UserId, taskId), ct)).ToActionResult();
}
