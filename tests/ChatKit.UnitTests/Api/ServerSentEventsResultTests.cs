using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using ChatKit.Api.Streaming;
using ChatKit.Application.Runs.ThreadStream;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;

namespace ChatKit.UnitTests.Api;

public sealed class ServerSentEventsResultTests
{
    private static (ActionContext Context, MemoryStream Body, CancellationTokenSource Aborted) NewContext()
    {
        var aborted = new CancellationTokenSource();
        var body = new MemoryStream();
        var http = new DefaultHttpContext { RequestAborted = aborted.Token };
        http.Response.Body = body;
        return (new ActionContext(http, new RouteData(), new ActionDescriptor()), body, aborted);
    }

    private static async IAsyncEnumerable<RunEvent> Events(Task slowSecond, [EnumeratorCancellation] CancellationToken ct = default)
    {
        yield return new StreamOptionsEvent(new StreamOptions(true));
        await slowSecond;
        yield return new StreamErrorEvent("late");
    }

    [Test]
    public async Task Execute_WritesDataLinesPingsWhileWaitingAndDoneLast()
    {
        var (context, body, _) = NewContext();
        var release = Task.Delay(350);

        await new ServerSentEventsResult(Events(release), TimeSpan.FromMilliseconds(100)).ExecuteResultAsync(context);

        var text = Encoding.UTF8.GetString(body.ToArray());
        Assert.That(text, Does.StartWith("data: {\"type\":\"stream_options\",\"stream_options\":{\"allow_cancel\":true}}\n\n"));
        Assert.That(text, Does.EndWith("data: {\"type\":\"error\",\"message\":\"late\",\"code\":\"stream.error\",\"allow_retry\":true}\n\ndata: [DONE]\n\n"));
        Assert.That(text.Split(": ping\n\n").Length - 1, Is.InRange(2, 4));
        Assert.That(context.HttpContext.Response.ContentType, Is.EqualTo("text/event-stream"));
        Assert.That(context.HttpContext.Response.Headers["X-Accel-Buffering"].ToString(), Is.EqualTo("no"));
    }

    [Test]
    public async Task Execute_WhenTheClientIsGoneWhileTheRunFinishes_WaitsQuietlyWithoutSpinning()
    {
        var (context, _, aborted) = NewContext();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var execution = new ServerSentEventsResult(Events(release.Task), TimeSpan.FromMilliseconds(50)).ExecuteResultAsync(context);
        await Task.Delay(100);

        await aborted.CancelAsync();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        await Task.Delay(1000);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await TestContext.Out.WriteLineAsync($"CPU while waiting: {cpu.TotalMilliseconds:0} ms");
        release.SetResult();
        await execution.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(cpu, Is.LessThan(TimeSpan.FromMilliseconds(300)), "a hung-up stream must not busy-loop while its run stores the reply");
    }
}
