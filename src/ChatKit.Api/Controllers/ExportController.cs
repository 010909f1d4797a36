using System.Text;
using ChatKit.Api.Auth;
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
    [Produces("application/x-ndjson")]
    [ProducesResponseType<string>(StatusCodes.Status200OK, "application/x-ndjson")]
    public async Task Get(CancellationToken ct)
    {
        Response.ContentType = "application/x-ndjson; charset=utf-8";
        Response.Headers.ContentDisposition = "attachment; filename=\"chatkit-export.ndjson\"";
        Response.Headers.CacheControl = "no-store";
        var written = 0;
        await foreach (var line in mediator.CreateStream(new ExportQuery(JwtSetup.UserId(User)!), ct).ConfigureAwait(false))
        {
            await Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), ct).ConfigureAwait(false);
            if (++written % FlushEvery == 0)
            {
                await Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
    }
}
