using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using ChatKit.Api.Streaming;
using ChatKit.Application.Runs.Execution;
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

    private static async IAsyncEnumerable<RunEventRecord> Events(Task slowSecond, [EnumeratorCancellation] CancellationToken ct = default)
    {
        yield return new RunEventRecord(1, ThreadStreamJson.Serialize(new StreamOptionsEvent(new StreamOptions(true))));
        await slowSecond;
        yield return new RunEventRecord(2, ThreadStreamJson.Serialize(new StreamErrorEvent("late")));
    }

    private static readonly Guid Run = Guid.CreateVersion7();

    [Test]
    public async Task Execute_WritesDataLinesPingsWhileWaitingAndDoneLast()
    {
        var (context, body, _) = NewContext();
        var release = Task.Delay(350);

        await new ServerSentEventsResult(Run, Events(release), 0, TimeSpan.FromMilliseconds(100), ServerSentEventsResult.Framing.Rest)
            .ExecuteResultAsync(context);

        var text = Encoding.UTF8.GetString(body.ToArray());
        Assert.That(text, Does.StartWith("id: 1\ndata: {\"type\":\"stream_options\",\"stream_options\":{\"allow_cancel\":true}}\n\n"));
        Assert.That(text, Does.EndWith("id: 2\ndata: {\"type\":\"error\",\"message\":\"late\",\"code\":\"stream.error\",\"allow_retry\":true}\n\nid: 3\ndata: [DONE]\n\n"));
        Assert.That(context.HttpContext.Response.Headers["X-Run-Id"].ToString(), Is.EqualTo(Run.ToString()));
        Assert.That(text.Split(": ping\n\n").Length - 1, Is.InRange(2, 4));
        Assert.That(context.HttpContext.Response.ContentType, Is.EqualTo("text/event-stream"));
        Assert.That(context.HttpContext.Response.Headers["X-Accel-Buffering"].ToString(), Is.EqualTo("no"));
    }

    [Test]
    public async Task Execute_WhenTheClientIsGoneWhileTheRunFinishes_WaitsQuietlyWithoutSpinning()
    {
        var (context, _, aborted) = NewContext();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var execution = new ServerSentEventsResult(Run, Events(release.Task), 0, TimeSpan.FromMilliseconds(50), ServerSentEventsResult.Framing.Rest)
            .ExecuteResultAsync(context);
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

    [Test]
    public async Task Execute_InTheChatKitFraming_WritesNoDone()
    {
        var (context, body, _) = NewContext();

        await new ServerSentEventsResult(Run, Events(Task.CompletedTask), 0, TimeSpan.FromSeconds(10), ServerSentEventsResult.Framing.ChatKit)
            .ExecuteResultAsync(context);

        Assert.That(Encoding.UTF8.GetString(body.ToArray()), Does.Not.Contain("[DONE]").And.EndWith("\"allow_retry\":true}\n\n"));
    }

    [Test]
    public async Task Execute_WhenTheClientHangsUp_SaysSoOnce()
    {
        var (context, _, aborted) = NewContext();
        var gone = 0;
        var never = new TaskCompletionSource();
        var execution = new ServerSentEventsResult(Run, Waiting(never.Task), 0, TimeSpan.FromSeconds(10), ServerSentEventsResult.Framing.Rest, () => gone++)
            .ExecuteResultAsync(context);

        await aborted.CancelAsync();
        await execution.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(gone, Is.EqualTo(1));
    }

    private static async IAsyncEnumerable<RunEventRecord> Waiting(Task until, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await until.WaitAsync(ct);
        yield break;
    }
}
