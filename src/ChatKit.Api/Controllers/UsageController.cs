using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Application.Usage;
using ChatKit.Api.OpenApi;
using ChatKit.Application.Common;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Controllers;

/// <summary>The caller's own usage ledger and budget.</summary>
[ApiController]
[Authorize]
[Route("api/v1/chatkit/usage")]
[Produces("application/json")]
[Tags("Usage")]
public sealed class UsageController(IMediator mediator) : ControllerBase
{
    [HttpGet]
    [EndpointSummary("The caller's usage per day (?days=, default 30) and today's budget")]
    [ProducesResponseType<UsageDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    public async Task<IActionResult> Get([FromQuery] int? days, CancellationToken ct) =>
        (await mediator.Send(new GetUsageQuery(JwtSetup.UserId(User)!, days), ct)).ToActionResult();
}
