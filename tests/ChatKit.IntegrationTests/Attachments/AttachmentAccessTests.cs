using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ChatKit.Infrastructure.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ChatKit.IntegrationTests.Attachments.AttachmentFiles;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Attachments;

/// <summary>
/// Who reaches an attachment and for how long: the owner's token, or a signed link for that one attachment and use until
/// it expires; everything else is the same 404. Deleting the attachment, or its session, removes the bytes; a client that
/// hangs up mid-upload leaves nothing; attachments no message took are swept, one instance at a time.
/// </summary>
public sealed class AttachmentAccessTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task ASignedLink_WorksWithoutAToken_ButNotAltered_Expired_ForAnotherAttachment_OrAnotherUse()
    {
        using var client = App.ClientFor();
        using var anonymous = App.CreateClient();
        var a = await CreateUploadedAsync(App, client, "a.png", TinyPng, "image/png");
        var b = await CreateUploadedAsync(App, client, "b.png", TinyPng, "image/png");
        var link = PathOf(a["preview_url"]);
        using (var ok = await anonymous.GetAsync(link))
        {
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var signature = link[(link.IndexOf("signature=", StringComparison.Ordinal) + 10)..];
        var altered = link.Replace("signature=" + signature, "signature=" + (signature[0] == 'A' ? 'B' : 'A') + signature[1..], StringComparison.Ordinal);
        var otherAttachment = link.Replace(a["id"]!.GetValue<string>(), b["id"]!.GetValue<string>(), StringComparison.Ordinal);
        var otherUse = link.Replace("/content?", "/upload?", StringComparison.Ordinal);
        var later = link.Replace("expires=", "expires=9", StringComparison.Ordinal);
        var expired = Signed(a["id"]!.GetValue<string>(), ChatKitFactory.NewUser(), DateTimeOffset.UtcNow.AddMinutes(-1)); // and not its owner's
        var garbage = link.Replace("signature=" + signature, "signature=%2A%2A%2A", StringComparison.Ordinal);
        foreach (var forged in new[] { altered, otherAttachment, later, expired, garbage })
        {
            using var refused = await anonymous.GetAsync(forged);
            await refused.AssertErrorAsync(HttpStatusCode.NotFound, "ATTACHMENT_NOT_FOUND");
        }

        using (var put = await anonymous.PutAsync(otherUse, new ByteArrayContent(TinyPng)))
        {
            await put.AssertErrorAsync(HttpStatusCode.NotFound, "ATTACHMENT_NOT_FOUND");
        }

        using var none = await anonymous.GetAsync($"/api/v1/chatkit/attachments/{a["id"]}/content");
        Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "no token and no link");
    }

    [Test]
    public async Task AnExpiredLink_IsRefused_EvenWithItsRealSignature()
    {
        using var client = App.ClientFor();
        var user = ChatKitFactory.NewUser();
        using var owner = App.ClientFor(user);
        var a = await CreateUploadedAsync(App, owner, "a.png", TinyPng, "image/png");
        using var anonymous = App.CreateClient();
        using (var fresh = await anonymous.GetAsync(Signed(a["id"]!.GetValue<string>(), user, DateTimeOffset.UtcNow.AddMinutes(1))))
        {
            Assert.That(fresh.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the test signs as the service does");
        }

        using var stale = await anonymous.GetAsync(Signed(a["id"]!.GetValue<string>(), user, DateTimeOffset.UtcNow.AddSeconds(-1)));
        await stale.AssertErrorAsync(HttpStatusCode.NotFound, "ATTACHMENT_NOT_FOUND");
    }

    [Test]
    public async Task AnotherUsersAttachment_IsA404_Everywhere()
    {
        using var owner = App.ClientFor();
        using var stranger = App.ClientFor();
        var a = await CreateUploadedAsync(App, owner, "a.png", TinyPng, "image/png");
        var id = a["id"]!.GetValue<string>();
        foreach (var response in new[]
        {
            await stranger.GetAsync($"/api/v1/chatkit/attachments/{id}"),
            await stranger.GetAsync($"/api/v1/chatkit/attachments/{id}/content"),
            await stranger.DeleteAsync($"/api/v1/chatkit/attachments/{id}"),
            await stranger.PostJsonAsync(Endpoint, Body("attachments.delete", new { attachment_id = id })),
        })
        {
            using (response)
            {
                await response.AssertErrorAsync(HttpStatusCode.NotFound, "ATTACHMENT_NOT_FOUND");
            }
        }

        Assert.That(await StoredAsync(id), Is.EqualTo((1L, 1L)), "still there for its owner");
    }

    [Test]
    public async Task Deleting_AnAttachment_OrItsSession_RemovesItsBytes_AndItsLinksAnswer404()
    {
        using var client = App.ClientFor();
        using var anonymous = App.CreateClient();
        var loose = await CreateUploadedAsync(App, client, "loose.png", TinyPng, "image/png");
        Assert.That((await CallAsync(client, "attachments.delete", new { attachment_id = loose["id"]!.GetValue<string>() })).ToJsonString(), Is.EqualTo("{}"));
        Assert.That(await StoredAsync(loose["id"]!.GetValue<string>()), Is.EqualTo((0L, 0L)));
        using (var gone = await anonymous.GetAsync(PathOf(loose["preview_url"])))
        {
            await gone.AssertErrorAsync(HttpStatusCode.NotFound, "ATTACHMENT_NOT_FOUND");
        }

        var sent = await CreateUploadedAsync(App, client, "sent.png", PngOf(300_000), "image/png");
        var stream = await StreamAsync(client, "threads.create", new JsonObject { ["input"] = InputWith("look", sent["id"]!.GetValue<string>()) });
        var threadId = stream.Events[0]["thread"]!["id"]!.GetValue<string>();
        Assert.That(await StoredAsync(sent["id"]!.GetValue<string>()), Is.EqualTo((1L, 2L)));
        Assert.That((await CallAsync(client, "threads.delete", new { thread_id = threadId })).ToJsonString(), Is.EqualTo("{}"));
        Assert.That(await StoredAsync(sent["id"]!.GetValue<string>()), Is.EqualTo((0L, 0L)), "the session took its attachments' bytes with it");
    }

    [Test]
    public async Task AClientThatHangsUpMidUpload_LeavesNoRowAndNoBytes()
    {
        var user = ChatKitFactory.NewUser();
        using var client = App.ClientFor(user);
        var content = new StreamContent(new BreaksOffStream(PngOf(1_000_000), breakAfter: 600_000));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        using var form = new MultipartFormDataContent { { content, "file", "cut.png" } };
        try
        {
            using var response = await client.PostAsync("/api/v1/chatkit/attachments", form);
            Assert.That(response.IsSuccessStatusCode, Is.False, "a body that broke off is never stored");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // The request failed on the client's side, as a hang-up does.
        }

        // Whatever the server was doing with the body has ended once it is no longer reading: wait for its transaction to be gone.
        await WaitUntilAsync(async () => await RowsAsync("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY attachment_chunks%' AND state <> 'idle'", new { }) == 0);
        Assert.That(await RowsAsync("SELECT count(*) FROM attachments WHERE user_id = @user", new { user }), Is.EqualTo(0));
        Assert.That(await RowsAsync("SELECT count(*) FROM attachment_chunks c LEFT JOIN attachments a ON a.id = c.attachment_id WHERE a.id IS NULL", new { }), Is.EqualTo(0));
    }

    [Test]
    public async Task TheSweep_DeletesWhatNoMessageTookInTime_AndSkipsWhileAnotherInstanceSweeps()
    {
        using var client = App.ClientFor();
        var old = await CreateUploadedAsync(App, client, "old.png", TinyPng, "image/png");
        var young = await CreateAsync(client, "young.png", 10, "image/png");
        var oldId = Guid.ParseExact(old["id"]!.GetValue<string>()[4..], "N");
        await TestEnvironment.ScalarAsync<int>("UPDATE attachments SET created_at = now() - interval '61 minutes' WHERE id = @oldId RETURNING 1", new { oldId });
        var sweeper = App.Services.GetRequiredService<AttachmentSweeper>();

        // Another instance holds the sweep: this one skips its round and deletes nothing.
        await using (var other = new NpgsqlConnection(TestEnvironment.DatabaseUrl))
        {
            await other.OpenAsync();
            await using var tx = await other.BeginTransactionAsync();
            await using (var lockIt = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", other, tx) { Parameters = { new("key", 0x4348_4B41_5454L) } })
            {
                await lockIt.ExecuteScalarAsync();
            }

            Assert.That(await sweeper.SweepOnceAsync(CancellationToken.None), Is.Null);
            Assert.That(await StoredAsync(old["id"]!.GetValue<string>()), Is.EqualTo((1L, 1L)));
        }

        Assert.That(await sweeper.SweepOnceAsync(CancellationToken.None), Is.GreaterThanOrEqualTo(1));
        Assert.That(await StoredAsync(old["id"]!.GetValue<string>()), Is.EqualTo((0L, 0L)));
        Assert.That(await StoredAsync(young["id"]!.GetValue<string>()), Is.EqualTo((1L, 0L)), "not yet its time");
    }

    /// <summary>A content link as the service signs it (HMAC-SHA256, key derived from the JWT secret), for any expiry.</summary>
    private static string Signed(string wireId, string userId, DateTimeOffset expires)
    {
        var key = Encoding.UTF8.GetBytes(Convert.ToHexString(HKDF.DeriveKey(
            HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(ChatKitFactory.Secret), 32, info: "chatkit attachment links"u8.ToArray())));
        var at = expires.ToUnixTimeSeconds();
        var signature = Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"content\n{wireId}\n{userId}\n{at}")));
        return $"/api/v1/chatkit/attachments/{wireId}/content?expires={at}&signature={signature}";
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(until), "the condition never held");
            await Task.Delay(20);
        }
    }

    /// <summary>A request body that breaks off part way, as a client's connection does when it hangs up.</summary>
    private sealed class BreaksOffStream(byte[] bytes, int breakAfter) : MemoryStream(bytes)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= breakAfter)
            {
                throw new IOException("the client hung up");
            }

            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, breakAfter - (int)Position)], cancellationToken);
        }
    }
}
