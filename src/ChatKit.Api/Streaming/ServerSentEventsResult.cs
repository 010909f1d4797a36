using ChatKit.Application.Common;
using System.Buffers;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.ThreadStream;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Streaming;

/// <summary>
/// Writes a run's events as they are logged: <c>id: n</c> then <c>data: &lt;compact JSON&gt;</c>, flushed as soon as no
/// further event is ready, and (REST framing) <c>data: [DONE]</c> last with the next id; the native ChatKit framing has no terminator, the
/// stream ends when the body closes. While the next event is slow to come, a <c>: ping</c> comment goes out every ping
/// interval so proxies keep the connection open. <c>X-Run-Id</c> names the run. A client that hangs up ends the
/// response quietly and is reported to <paramref name="clientGone"/> (a foreground run stops then). A reader so slow that
/// the run's capped event log dropped events it had not sent yet ends with an <c>error</c> event (no id: it is not one of
/// the run's) and, in REST framing, <c>data: [DONE]</c>, rather than a cut connection; the run goes on and stores its reply.
/// </summary>
public sealed class ServerSentEventsResult(
    Guid runId,
    IAsyncEnumerable<RunEventRecord> events,
    long after,
    TimeSpan pingInterval,
    ServerSentEventsResult.Framing framing,
    Action? clientGone = null) : IActionResult
{
    /// <summary>
    /// Checks, while no event comes, that some instance still runs the run (its claim is held and renewed). When none has
    /// for <see cref="RunWatch.Grace"/> (its instance died and no survivor took it over), the stream says so and ends
    /// instead of waiting forever.
    /// </summary>
    public RunWatch? Watch { get; init; }

    public enum Framing
    {
        /// <summary>The REST run stream: <c>data: [DONE]</c> last.</summary>
        Rest,

        /// <summary>ChatKit's own protocol: no terminator.</summary>
        ChatKit,
    }

    public const string RunIdHeader = "X-Run-Id";

    /// <summary>The run this stream follows.</summary>
    public Guid RunId => runId;

    /// <summary>
    /// The client already has the run's <c>[DONE]</c> (it resumed after its id): the stream invents no id after the run's
    /// last one, and in REST framing ends with a <c>data: [DONE]</c> that carries none, so a reader still stops there.
    /// </summary>
    public bool DoneSent { get; init; }

    private static readonly byte[] IdPrefix = "id: "u8.ToArray();
    private static readonly byte[] DataPrefix = "\ndata: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();
    private static readonly byte[] Done = "[DONE]"u8.ToArray();

    private static readonly byte[] EndLost = ThreadStreamJson.Serialize(
        new NoticeEvent("info", "This reply is stored; the server that wrote it stopped before sending its last events. Reload the session to read it."));

    private static readonly byte[] OwnerLost = ThreadStreamJson.Serialize(
        new StreamErrorEvent("The server running this reply stopped and no other could take it over yet. Reload the session in a moment to read what was stored."));

    private static readonly byte[] FellBehind = ThreadStreamJson.Serialize(
        new StreamErrorEvent("This stream fell too far behind the reply and was closed; the reply is still being stored. Reload the session to read it.")
        {
            AllowRetry = false,
        });

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext;
        var response = http.Response;
        var ct = http.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.Headers[RunIdHeader] = runId.ToString();
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var writer = response.BodyWriter;
        var last = after;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tick = Watch is { } watch && watch.Every < pingInterval ? watch.Every : pingInterval;
        var e = events.GetAsyncEnumerator(stop.Token);
        Task<bool>? inFlight = null;
        try
        {
            Task? pingDue = null;
            var lastPing = System.Diagnostics.Stopwatch.GetTimestamp();
            long? ownerGoneAt = null;
            while (true)
            {
                var next = e.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    // Known as in flight before anything else can throw (a flush to a client that is gone): the finally must
                    // end it before disposing the reader.
                    var pending = inFlight = next.AsTask();

                    // What was written goes out before waiting for more: events logged together (a turn's first events,
                    // a tool step, a replay) leave in one write instead of one each.
                    await writer.FlushAsync(ct).ConfigureAwait(false);
                    while (!ct.IsCancellationRequested)
                    {
                        pingDue ??= Task.Delay(tick, ct);
                        if (await Task.WhenAny(pending, pingDue).ConfigureAwait(false) == pending)
                        {
                            break;
                        }

                        pingDue = null;
                        if (ct.IsCancellationRequested)
                        {
                            break;
                        }

                        if (System.Diagnostics.Stopwatch.GetElapsedTime(lastPing) >= pingInterval - TimeSpan.FromMilliseconds(50))
                        {
                            lastPing = System.Diagnostics.Stopwatch.GetTimestamp();
                            await writer.WriteAsync(Ping, ct).ConfigureAwait(false);
                        }

                        if (Watch is { } w && await StateAsync(w, ct).ConfigureAwait(false) is { } state)
                        {
                            ownerGoneAt = state == RunClaimState.Held ? null : ownerGoneAt ?? System.Diagnostics.Stopwatch.GetTimestamp();
                            if (ownerGoneAt is { } gone && System.Diagnostics.Stopwatch.GetElapsedTime(gone) >= w.Grace)
                            {
                                throw new RunOwnerLostException { Ended = state == RunClaimState.Released }; // the read in flight ends in finally
                            }
                        }
                    }

                    next = new ValueTask<bool>(pending);
                }

                if (!await next.ConfigureAwait(false))
                {
                    break;
                }

                last = e.Current.Id;
                Write(writer, last, e.Current.Json.Span);
            }

            if (framing == Framing.Rest)
            {
                Write(writer, DoneSent ? null : last + 1, Done);
            }

            await writer.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (RunOwnerLostException ended) when (ended.Ended && !ct.IsCancellationRequested)
        {
            // The run ended (its reply stored, its claim released), but its instance died before the log's last events:
            // the stream ends as a run's does, after a notice without an id (it is not one of the run's events).
            Write(writer, null, EndLost);
            if (framing == Framing.Rest)
            {
                Write(writer, last + 1, Done);
            }

            await writer.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception lost) when (lost is RunEventsTruncatedException or RunOwnerLostException && !ct.IsCancellationRequested)
        {
            Write(writer, null, lost is RunOwnerLostException ? OwnerLost : FellBehind);
            if (framing == Framing.Rest)
            {
                Write(writer, null, Done);
            }

            await writer.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away; the run stores what it has (and stops, unless it runs in the background).
            clientGone?.Invoke();
        }
        finally
        {
            // An enumerator cannot be disposed while a read is in flight (a write that failed while it waited): end it first.
            if (inFlight is { IsCompleted: false })
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await inFlight.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            }

            await e.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Who holds the run, or null when the database cannot say now (an outage): the stream waits on, as the run does.</summary>
    private static async Task<RunClaimState?> StateAsync(RunWatch watch, CancellationToken ct)
    {
        try
        {
            return await watch.State(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (Outages.IsDatabaseUnavailable(ex) && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private static void Write(System.IO.Pipelines.PipeWriter writer, long? id, ReadOnlySpan<byte> json)
    {
        if (id is { } n)
        {
            writer.Write(IdPrefix);
            Span<byte> digits = stackalloc byte[20];
            n.TryFormat(digits, out var length, provider: System.Globalization.CultureInfo.InvariantCulture);
            writer.Write(digits[..length]);
            writer.Write(DataPrefix);
        }
        else
        {
            writer.Write(DataPrefix.AsSpan(1));
        }

        writer.Write(json);
        writer.Write(EventEnd);
    }
}

/// <summary>How a stream checks that its run is still run somewhere: every <paramref name="Every"/> of silence it asks.</summary>
/// <param name="Grace">How long no instance may hold the run before the stream gives up on it.</param>
public sealed record RunWatch(Func<CancellationToken, Task<RunClaimState>> State, TimeSpan Every, TimeSpan Grace);

/// <summary>No instance runs the run any more and none took it over in time.</summary>
public sealed class RunOwnerLostException : Exception
{
    /// <summary>The run did end (its claim was released): only its last events were lost.</summary>
    public bool Ended { get; init; }

    public RunOwnerLostException()
        : base("No instance runs the run.")
    {
    }

    public RunOwnerLostException(string message)
        : base(message)
    {
    }

    public RunOwnerLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
