using System.Buffers;
using System.Text.Json;
using ChatKit.Api.Hosting;
using ChatKit.Application.Runs.ThreadStream;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.Streaming;

/// <summary>
/// Writes run events as <c>data: &lt;compact JSON&gt;</c> lines, each flushed at once, then (REST framing) <c>data: [DONE]</c>;
/// the native ChatKit framing has no terminator, the stream ends when the body closes.
/// While the next event is slow to come, a <c>: ping</c> comment goes out every ping interval so proxies
/// keep the connection open. A client that hangs up ends the stream quietly: the run stores its partial reply.
/// </summary>
public sealed class ServerSentEventsResult(
    IAsyncEnumerable<RunEvent> events, TimeSpan pingInterval, ServerSentEventsResult.Framing framing = ServerSentEventsResult.Framing.Rest)
    : IActionResult
{
    public enum Framing
    {
        /// <summary>The REST run stream: <c>data: [DONE]</c> last.</summary>
        Rest,

        /// <summary>ChatKit's own protocol: no terminator.</summary>
        ChatKit,
    }

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JsonDefaults.Stream.Encoder, SkipValidation = true };

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext;
        var response = http.Response;
        var ct = http.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var writer = response.BodyWriter;
        try
        {
            await using var e = events.GetAsyncEnumerator(ct);
            Task? pingDue = null;
            while (true)
            {
                var next = e.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    var pending = next.AsTask();
                    while (!ct.IsCancellationRequested)
                    {
                        pingDue ??= Task.Delay(pingInterval, ct);
                        if (await Task.WhenAny(pending, pingDue).ConfigureAwait(false) == pending)
                        {
                            break;
                        }

                        pingDue = null;
                        if (!ct.IsCancellationRequested)
                        {
                            await writer.WriteAsync(Ping, ct).ConfigureAwait(false);
                        }
                    }

                    // Once the client is gone there is nothing to ping: wait for the run to store its reply and end.
                    next = new ValueTask<bool>(pending);
                }

                if (!await next.ConfigureAwait(false))
                {
                    break;
                }

                writer.Write(DataPrefix);
                using (var json = new Utf8JsonWriter(writer, WriterOptions))
                {
                    JsonSerializer.Serialize(json, e.Current, e.Current.GetType(), JsonDefaults.Stream);
                }

                writer.Write(EventEnd);
                await writer.FlushAsync(ct).ConfigureAwait(false);
            }

            if (framing == Framing.Rest)
            {
                await writer.WriteAsync(Done, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away; the run has already stored what it had.
        }
    }
}
