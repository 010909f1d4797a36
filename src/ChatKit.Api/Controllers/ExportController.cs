using System.Text;
using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.OpenApi;
using ChatKit.Application.Export;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Controllers;

/// <summary>The caller's whole data as NDJSON (docs/export-format.md), streamed as it is read.</summary>
[ApiController]
[Authorize]
[Route("api/v1/chatkit/export")]
[Tags("Account")]
public sealed class ExportController(IMediator mediator) : ControllerBase
{
    /// <summary>Lines are flushed in groups, so a slow reader holds back the database read, not a growing buffer.</summary>
    private const int FlushEvery = 256;

    [HttpGet]
    [EndpointSummary("Export the caller's sessions, messages, tasks, attachments' metadata and usage as NDJSON, versioned")]
    [Produces("application/x-ndjson", "application/json")]
    [ProducesResponseType<string>(StatusCodes.Status200OK, "application/x-ndjson")]
    [ErrorResponse(StatusCodes.Status400BadRequest, Application.Common.Errors.ValidationCode)]
    /// <param name="include"><c>attachments</c>: each attachment's bytes too, base64, a stored chunk (at most 256 KiB) a line.</param>
    /// <param name="ct">The request's cancellation.</param>
    public async Task<IActionResult> Get([FromQuery] string? include, CancellationToken ct)
    {
        if (include is not (null or "" or "attachments"))
        {
            return ApiErrors.ToActionResult(Application.Common.Errors.Invalid("include", "include must be attachments or absent"));
        }

        Response.ContentType = "application/x-ndjson; charset=utf-8";
        Response.Headers.ContentDisposition = "attachment; filename=\"chatkit-export.ndjson\"";
        Response.Headers.CacheControl = "no-store";
        var written = 0;
        await foreach (var line in mediator.CreateStream(new ExportQuery(JwtSetup.UserId(User)!, include == "attachments"), ct).ConfigureAwait(false))
        {
            await Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), ct).ConfigureAwait(false);
            if (++written % FlushEvery == 0)
            {
                await Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }

        return new EmptyResult(); // the body is written
    }
}
