using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.OpenApi;
using ChatKit.Application.Export;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Controllers;

/// <summary>The caller's whole data as NDJSON (docs/export-format.md), read from one snapshot, then sent.</summary>
[ApiController]
[Authorize]
[Route("api/v1/chatkit/export")]
[Tags("Account")]
public sealed class ExportController(IMediator mediator) : ControllerBase
{
    [HttpGet]
    [EndpointSummary("Export the caller's sessions, messages, tasks, attachments' metadata and usage as NDJSON, versioned")]
    [Produces("application/x-ndjson", "application/json")]
    [ProducesResponseType<string>(StatusCodes.Status200OK, "application/x-ndjson")]
    [ErrorResponse(StatusCodes.Status400BadRequest, Application.Common.Errors.ValidationCode)]
    [ErrorResponse(StatusCodes.Status429TooManyRequests, Application.Common.Errors.TooManyTransfersCode)]
    /// <param name="include"><c>attachments</c>: each attachment's bytes too, base64, a stored chunk (at most 256 KiB) a line.</param>
    /// <param name="ct">The request's cancellation.</param>
    public async Task<IActionResult> Get([FromQuery] string? include, CancellationToken ct)
    {
        if (include is not (null or "" or "attachments"))
        {
            return ApiErrors.ToActionResult(Application.Common.Errors.Invalid("include", "include must be attachments or absent"));
        }

        var export = await mediator.Send(new ExportQuery(JwtSetup.UserId(User)!, include == "attachments"), ct).ConfigureAwait(false);
        if (!export.IsSuccess)
        {
            return ApiErrors.ToActionResult(export.Error!);
        }

        await using var file = export.Value;
        Response.ContentType = "application/x-ndjson; charset=utf-8";
        Response.ContentLength = file.Length;
        Response.Headers.ContentDisposition = "attachment; filename=\"chatkit-export.ndjson\"";
        Response.Headers.CacheControl = "no-store";
        await file.CopyToAsync(Response.Body, ct).ConfigureAwait(false);
        return new EmptyResult(); // the body is written
    }
}
