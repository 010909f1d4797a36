using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Application.Usage;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Controllers;

/// <summary>The caller's own usage ledger and budget.</summary>
[ApiController]
[Authorize]
[Route("api/v1/chatkit/usage")]
[Produces("application/json")]
public sealed class UsageController(IMediator mediator) : ControllerBase
{
    [HttpGet]
    public async Task<IActionResult> Get([FromQuery] int? days, CancellationToken ct) =>
        (await mediator.Send(new GetUsageQuery(JwtSetup.UserId(User)!, days), ct)).ToActionResult();
}
