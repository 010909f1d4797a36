using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using ChatKit.Application.Transfers;
using Microsoft.Extensions.DependencyInjection;
using static ChatKit.IntegrationTests.Attachments.AttachmentFiles;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>
/// Hardening II, item 1: no pooled connection is held while waiting on a client. More slow uploads and imports than the
/// pool has connections are received (into spool files) while other users' reads and readiness stay fast; the transfers
/// then complete; and a user past the per-user cap is refused <c>429 TOO_MANY_TRANSFERS</c> before a byte is read.
/// </summary>
[NonParallelizable]
public sealed class SlowTransferTests
{
    private const int SlowUploads = 12;
    private const int SlowImports = 12;

    [Test]
    public async Task MoreSlowTransfersThanPooledConnections_OtherUsersReadsAndReadinessStayFast()
    {
        await using var app = ChatKitFactory.Create(
            AssemblySetup.Upstream,
            ("DATABASE_URL", TestEnvironment.DatabaseUrl + ";Maximum Pool Size=10;Timeout=3"),
            ("TRANSFERS_PER_INSTANCE", "100"));
        app.UseKestrel(0);
        app.StartServer();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var anonymous = new HttpClient { BaseAddress = app.ServerAddress };

        var uploads = new List<Task<HttpResponseMessage>>();
        var started = new List<Task>();
        for (var i = 0; i < SlowUploads; i++)
        {
            using var owner = app.SocketClientFor(ChatKitFactory.NewUser());
            var png = PngOf(64 * 1024);
            var created = await CreateAsync(owner, "slow.png", png.Length, "image/png");
            var descriptor = created["upload_descriptor"]!;
            var content = new StalledContent(png.AsMemory(0, 1024), release.Task, png.AsMemory(1024), "image/png");
            started.Add(content.HeadSent);
            uploads.Add(anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(descriptor["method"]!.GetValue<string>()), PathOf(descriptor["url"])) { Content = content }));
        }

        var imports = new List<Task<HttpResponseMessage>>();
        var importers = new List<HttpClient>();
        for (var i = 0; i < SlowImports; i++)
        {
            var importer = app.SocketClientFor(ChatKitFactory.NewUser());
            importers.Add(importer);
            var (head, tail) = ExportLines();
            var content = new StalledContent(head, release.Task, tail, "application/x-ndjson");
            started.Add(content.HeadSent);
            imports.Add(importer.PostAsync("/api/v1/chatkit/import", content));
        }

        await Task.WhenAll(started);
        await TransfersRunningAsync(app, SlowUploads + SlowImports);

        // The transfers now wait on their clients. Another user's reads and the readiness probe answer, at once, every time.
        using var reader = app.SocketClientFor(ChatKitFactory.NewUser());
        for (var round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            using var sessions = await reader.GetAsync(ChatApi.Sessions);
            using var ready = await anonymous.GetAsync("/health/ready");
            Assert.That(sessions.StatusCode, Is.EqualTo(HttpStatusCode.OK), await sessions.Content.ReadAsStringAsync());
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), await ready.Content.ReadAsStringAsync());
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), $"round {round}: a read and a probe while {SlowUploads + SlowImports} transfers wait");
        }

        release.SetResult();
        foreach (var response in await Task.WhenAll(uploads.Concat(imports)))
        {
            using (response)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            }
        }

        foreach (var importer in importers)
        {
            importer.Dispose();
        }
    }

    [Test]
    public async Task AUserPastThePerUserCap_IsRefused429_AndTheSlotIsFreedWhenATransferEnds()
    {
        await using var app = ChatKitFactory.Create(AssemblySetup.Upstream, ("TRANSFERS_PER_USER", "2"));
        app.UseKestrel(0);
        app.StartServer();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var owner = app.SocketClientFor(ChatKitFactory.NewUser());
        var slow = new List<Task<HttpResponseMessage>>();
        var started = new List<Task>();
        for (var i = 0; i < 2; i++)
        {
            var png = PngOf(4096);
            var content = new StalledContent(png.AsMemory(0, 512), release.Task, png.AsMemory(512), "image/png");
            var form = new MultipartFormDataContent { { content, "file", "slow.png" } };
            started.Add(content.HeadSent);
            slow.Add(owner.PostAsync("/api/v1/chatkit/attachments", form));
        }

        await Task.WhenAll(started);
        await TransfersRunningAsync(app, 2);
        using var refused = await owner.PostAsync("/api/v1/chatkit/attachments", Form(TinyPng, "third.png", "image/png"));
        var error = await refused.AssertErrorAsync(HttpStatusCode.TooManyRequests, "TOO_MANY_TRANSFERS");
        Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain("2"));

        using var export = await owner.GetAsync("/api/v1/chatkit/export");
        await export.AssertErrorAsync(HttpStatusCode.TooManyRequests, "TOO_MANY_TRANSFERS");

        release.SetResult();
        foreach (var response in await Task.WhenAll(slow))
        {
            using (response)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            }
        }

        using var after = await owner.PostAsync("/api/v1/chatkit/attachments", Form(TinyPng, "third.png", "image/png"));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK), await after.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until the service has taken up <paramref name="count"/> transfers (each now waits on its client).</summary>
    private static async Task TransfersRunningAsync(ChatKitFactory app, int count)
    {
        var gate = app.Services.GetRequiredService<TransferGate>();
        for (var i = 0; i < 400 && gate.Active < count; i++)
        {
            await Task.Delay(25);
        }

        Assert.That(gate.Active, Is.EqualTo(count), "transfers running");
    }

    /// <summary>An export of one session: its header and session line first, the rest after the stall.</summary>
    private static (byte[] Head, byte[] Tail) ExportLines()
    {
        var session = Guid.NewGuid();
        var head = $$"""
            {"kind":"export","version":2,"user_id":"someone","exported_at":"2026-01-01T00:00:00Z"}
            {"kind":"session","version":2,"id":"{{session}}","title":"Imported slowly","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}

            """;
        var tail = $$"""
            {"kind":"message","version":2,"id":"{{Guid.NewGuid()}}","session_id":"{{session}}","role":"user","content":[{"type":"input_text","text":"hi"}],"status":"completed","created_at":"2026-01-01T00:00:01Z"}

            """;
        return (Encoding.UTF8.GetBytes(head), Encoding.UTF8.GetBytes(tail));
    }

    /// <summary>A body that sends its head, then waits for <paramref name="release"/> before its tail: a client at its own pace.</summary>
    private sealed class StalledContent : HttpContent
    {
        private readonly ReadOnlyMemory<byte> _head;
        private readonly Task _release;
        private readonly ReadOnlyMemory<byte> _tail;
        private readonly TaskCompletionSource _headSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public StalledContent(ReadOnlyMemory<byte> head, Task release, ReadOnlyMemory<byte> tail, string mediaType)
        {
            _head = head;
            _release = release;
            _tail = tail;
            Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        public Task HeadSent => _headSent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(_head);
            await stream.FlushAsync();
            _headSent.TrySetResult();
            await _release;
            await stream.WriteAsync(_tail);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _head.Length + _tail.Length;
            return true;
        }
    }
}
