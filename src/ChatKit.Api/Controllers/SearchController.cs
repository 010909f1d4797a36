using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.OpenApi;
using ChatKit.Application.Common;
using ChatKit.Application.Search;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Controllers;

/// <summary>Search across the caller's conversations (and tasks): PostgreSQL full text, the caller's rows only.</summary>
[ApiController]
[Authorize]
[Route("api/v1/chatkit/search")]
[Produces("application/json")]
[Tags("Search")]
public sealed class SearchController(IMediator mediator) : ControllerBase
{
    /// <param name="q">1–200 characters, web search syntax: words, "a phrase", -excluded, or.</param>
    /// <param name="types">messages (default), tasks, or messages,tasks.</param>
    /// <param name="limit">1–50, default 20.</param>
    /// <param name="after">meta.next_cursor of the previous page.</param>
    /// <param name="ct">The request's cancellation.</param>
    [HttpGet]
    [EndpointSummary("The caller's messages (and tasks) that match q, newest first, with a highlighted snippet; meta.next_cursor pages")]
    [ProducesResponseType<IReadOnlyList<SearchHitDto>>(StatusCodes.Status200OK)]
    [ErrorResponse(StatusCodes.Status400BadRequest, Errors.ValidationCode)]
    public async Task<IActionResult> Search(
        [FromQuery] string? q, [FromQuery] string? types, [FromQuery] int? limit, [FromQuery] string? after, CancellationToken ct) =>
        (await mediator.Send(new SearchQuery(JwtSetup.UserId(User)!, q, types, limit, after), ct))
        .ToActionResult(page => page.Items, page => page.NextCursor is null ? null : new ListMeta(null, page.NextCursor));
}
