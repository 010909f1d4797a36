using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Hosting;
using ChatKit.Api.Options;
using ChatKit.Api.Streaming;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.Execution;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> (1–200 printable ASCII characters) on a send: the first request with a key runs and its outcome
/// is kept under (user, key) for <c>IDEMPOTENCY_TTL_HOURS</c> — the run it started, or its answer. A repeat with the same
/// body attaches to that run from its first event (while its events are kept), or gets the same status and body; one
/// still being handled is waited for; the same key with another body is <c>422 IDEMPOTENCY_KEY_REUSED</c>. Keys are per
/// user. The request body is hashed (it is at most 64 KiB) with its method and path.
/// </summary>
public sealed class IdempotencyFilter(
    IIdempotencyStore store, IRunEventLog log, RunStreams streams, IOptions<IdempotencySettings> settings, TimeProvider clock)
    : IAsyncResourceFilter, IAsyncResultFilter
{
    // Per request (the attribute makes one filter per request): the key this request holds as the first, until recorded.
    private (string User, string Key)? _first;

    public const string Header = "Idempotency-Key";

    /// <summary>How long a repeat waits for the first request, still being handled, to have an outcome.</summary>
    private static readonly TimeSpan PendingWait = TimeSpan.FromSeconds(5);

    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(Header, out var values) || JwtSetup.UserId(http.User) is not { } user)
        {
            await next().ConfigureAwait(false);
            return;
        }

        var key = values.ToString();
        if (key.Length is 0 or > 200 || key.Any(c => c is < ' ' or > '~'))
        {
            context.Result = ApiErrors.ToActionResult(Errors.Invalid(Header, "Idempotency-Key must be 1 to 200 printable ASCII characters"));
            return;
        }

        var ct = http.RequestAborted;
        var hash = await HashAsync(http.Request, ct).ConfigureAwait(false);
        var ttl = TimeSpan.FromHours(settings.Value.TtlHours);
        var claim = await store.ClaimAsync(user, key, hash, ttl, ct).ConfigureAwait(false);
        for (var waited = TimeSpan.Zero; claim is IdempotencyClaim.Pending && waited < PendingWait; waited += TimeSpan.FromMilliseconds(50))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), clock, ct).ConfigureAwait(false);
            claim = await store.ClaimAsync(user, key, hash, ttl, ct).ConfigureAwait(false);
        }

        switch (claim)
        {
            case IdempotencyClaim.First:
                await FirstAsync(context, next, user, key).ConfigureAwait(false);
                return;
            case IdempotencyClaim.Reused:
                context.Result = ApiErrors.ToActionResult(Errors.IdempotencyKeyReused);
                return;
            case IdempotencyClaim.Run run:
                context.Result = await AttachAsync(run.RunId, http, ct).ConfigureAwait(false);
                return;
            case IdempotencyClaim.Answered answered:
                context.Result = new ContentResult { StatusCode = answered.Status, Content = answered.Body, ContentType = "application/json; charset=utf-8" };
                return;
            default:
                context.Result = ApiErrors.ToActionResult(Errors.IdempotencyKeyInUse);
                return;
        }
    }

    /// <summary>A repeat of a send: the first one's run from its first event, wherever it runs.</summary>
    private async Task<IActionResult> AttachAsync(Guid runId, HttpContext http, CancellationToken ct)
    {
        try
        {
            return await log.FindAsync(runId, ct).ConfigureAwait(false) is { } found
                ? streams.Attach(found, 0, Framing(http))
                : ApiErrors.ToActionResult(Errors.RunEventsTruncated);
        }
        catch (RunLogUnreachableException)
        {
            return ApiErrors.ToActionResult(Errors.RunLogUnreachable);
        }
    }

    /// <summary>
    /// Runs the request as the first with its key. What it became is recorded as its result is about to be written (a
    /// stream's run is known before its first event, so a repeat can attach while it streams); a request that ends
    /// without a result (an exception) lets the key go, so a retry runs afresh.
    /// </summary>
    private async Task FirstAsync(ResourceExecutingContext context, ResourceExecutionDelegate next, string user, string key)
    {
        _first = (user, key);
        try
        {
            await next().ConfigureAwait(false);
        }
        finally
        {
            if (_first is not null)
            {
                await store.ReleaseAsync(user, key, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (_first is var (user, key))
        {
            var ct = CancellationToken.None; // the outcome is kept even if the client is already gone
            switch (context.Result)
            {
                case ServerSentEventsResult stream:
                    await store.RecordRunAsync(user, key, stream.RunId, ct).ConfigureAwait(false);
                    _first = null;
                    break;
                case ObjectResult or JsonResult:
                    var (status, body) = context.Result switch
                    {
                        ObjectResult o => (o.StatusCode, JsonSerializer.Serialize(o.Value, JsonDefaults.Api)),
                        JsonResult j => (j.StatusCode, JsonSerializer.Serialize(j.Value, j.SerializerSettings as JsonSerializerOptions ?? JsonDefaults.Api)),
                        _ => throw new UnreachableException(),
                    };
                    if (IsFinal(status ?? StatusCodes.Status200OK))
                    {
                        await store.RecordAnswerAsync(user, key, status ?? StatusCodes.Status200OK, body, ct).ConfigureAwait(false);
                        _first = null;
                    }

                    break; // a "not now" answer is not kept: the key is let go, and the retry it invites runs afresh
            }
        }

        await next().ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a retry of the same request would get the same answer: a success or a refusal of the request itself. A
    /// conflict with a run in progress, a limit that lifts, a timeout or an outage (408, 409, 425, 429, 5xx) is not.
    /// </summary>
    private static bool IsFinal(int status) =>
        status < 500 && status is not (StatusCodes.Status408RequestTimeout or StatusCodes.Status409Conflict
            or TooEarly or StatusCodes.Status429TooManyRequests);

    private const int TooEarly = 425;

    private static ServerSentEventsResult.Framing Framing(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/api/v1/chatkit", StringComparison.Ordinal) && !http.Request.Path.StartsWithSegments("/api/v1/chatkit/sessions", StringComparison.Ordinal)
            ? ServerSentEventsResult.Framing.ChatKit
            : ServerSentEventsResult.Framing.Rest;

    private static async Task<byte[]> HashAsync(HttpRequest request, CancellationToken ct)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        var buffer = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            sha.AppendData(buffer, 0, read);
        }

        request.Body.Position = 0;
        return sha.GetHashAndReset();
    }
}
