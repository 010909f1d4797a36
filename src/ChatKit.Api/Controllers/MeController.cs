using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Hosting;
using ChatKit.Api.OpenApi;
using ChatKit.Application.Me;
using ChatKit.Infrastructure.RateLimiting;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Controllers;

/// <summary>The caller: their plan, its limits, today's usage and what remains (so a frontend can say "12 of 50 left").</summary>
[ApiController]
[Authorize]
[Route("api/v1/me")]
[Produces("application/json")]
[Tags("Account")]
public sealed class MeController(IMediator mediator, SharedWindowLimiter limiter) : ControllerBase
{
    [HttpGet]
    [EndpointSummary("The caller's plan, its limits, today's usage and what remains")]
    [ProducesResponseType<MeDto>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Get(CancellationToken ct) =>
        (await mediator.Send(new GetMeQuery(JwtSetup.UserId(User)!, EdgeProtection.PermitsOf(HttpContext, limiter)), ct)).ToActionResult();

    /// <summary>Erases everything of the caller; the body repeats their user id: <c>{"confirm": "&lt;user id&gt;"}</c>.</summary>
    [HttpDelete]
    [EndpointSummary("Erase everything of the caller: sessions, messages, tasks, attachments, run logs, idempotency records; the usage ledger is kept anonymised")]
    [ProducesResponseType<ErasedDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Application.Common.Errors.ValidationCode)]
    [ErrorResponse(StatusCodes.Status409Conflict, Application.Common.Errors.RunInProgressCode)]
    public async Task<IActionResult> Erase([FromBody] EraseMeBody body, CancellationToken ct) =>
        (await mediator.Send(new EraseMeCommand(JwtSetup.UserId(User)!, body?.Confirm), ct)).ToActionResult();
}

/// <summary>The body of <c>DELETE /api/v1/me</c>.</summary>
public sealed record EraseMeBody(string? Confirm);
