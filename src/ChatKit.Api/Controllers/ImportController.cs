using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.OpenApi;
using ChatKit.Application.Common;
using ChatKit.Application.Import;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Controllers;

/// <summary>An export read back into the caller's account (docs/export-format.md), all or nothing.</summary>
[ApiController]
[Authorize]
[Route("api/v1/chatkit/import")]
[Produces("application/json")]
[Tags("Account")]
public sealed class ImportController(IMediator mediator) : ControllerBase
{
    /// <summary>The body is the export's NDJSON (<c>application/x-ndjson</c>), read as it arrives.</summary>
    [HttpPost]
    [NdjsonBody]
    [Consumes("application/x-ndjson")]
    [EndpointSummary("Import an export (version 1 or 2) into the caller's account: new ids, references kept, limits applied, all or nothing; a bad line is named")]
    [ProducesResponseType<ImportedDto>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Errors.SessionLimitCode, Errors.MessageLimitCode, Errors.TaskLimitCode, Errors.StorageLimitCode, Errors.TooManyTransfersCode)]
    public async Task<IActionResult> Import(CancellationToken ct) =>
        (await mediator.Send(new ImportCommand(JwtSetup.UserId(User)!, Request.Body), ct)).ToActionResult();
}

/// <summary>
/// Marks an endpoint whose body is NDJSON (<c>application/x-ndjson</c>), up to <c>IMPORT_MAX_BYTES</c> instead of the
/// 64 KiB every other endpoint takes; the action reads it as a stream.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NdjsonBodyAttribute : Attribute;
