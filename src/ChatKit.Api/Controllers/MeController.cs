using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Hosting;
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
}
