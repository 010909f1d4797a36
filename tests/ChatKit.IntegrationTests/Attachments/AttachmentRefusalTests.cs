using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using static ChatKit.IntegrationTests.Attachments.AttachmentFiles;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Attachments;

/// <summary>
/// Every refusal of docs/attachments.md, each checked to leave nothing behind: types, sizes, the bytes against what was
/// declared, the per-user cap, and the ids a message may carry.
/// </summary>
public sealed class AttachmentRefusalTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static async Task<JsonNode> RefusedAsync(HttpClient client, string type, object parameters, HttpStatusCode status, string code)
    {
        using var response = await client.PostJsonAsync(Endpoint, Body(type, parameters));
        return await response.AssertErrorAsync(status, code);
    }

    [Test]
    public async Task Create_RefusesATypeOutsideTheList_AFileOverTheLimit_AndANegativeSize()
    {
        using var client = App.ClientFor();
        var type = await RefusedAsync(client, "attachments.create", new { name = "page.html", size = 10, mime_type = "text/html" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(type["details"]![0]!["field"]!.GetValue<string>(), Is.EqualTo("params.mime_type"));
        await RefusedAsync(client, "attachments.create", new { name = "big.png", size = 10 * 1024 * 1024 + 1, mime_type = "image/png" }, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        await RefusedAsync(client, "attachments.create", new { name = "a.png", size = -1, mime_type = "image/png" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Test]
    public async Task Create_RefusesOverTheUsersStorage_PendingUploadsIncluded()
    {
        using var client = App.ClientFor();
        for (var i = 0; i < 20; i++)
        {
            await CreateAsync(client, $"{i}.png", 10 * 1024 * 1024, "image/png"); // 20 × 10 MiB = the 200 MiB cap
        }

        var refused = await RefusedAsync(client, "attachments.create", new { name = "one-more.png", size = 1, mime_type = "image/png" }, HttpStatusCode.TooManyRequests, "STORAGE_LIMIT");
        Assert.That(refused["message"]!.GetValue<string>(), Does.Contain("200 MiB"));
        using var other = App.ClientFor();
        await CreateAsync(other, "theirs.png", 1, "image/png"); // the cap is per user
    }

    [Test]
    public async Task Upload_RefusesBytesThatAreNotTheDeclaredImage_OrNotTheDeclaredSize_AndKeepsNone()
    {
        using var client = App.ClientFor();
        using var anonymous = App.CreateClient();

        var notPng = await CreateAsync(client, "fake.png", 12, "image/png");
        using (var response = await UploadAsync(anonymous, notPng, Encoding.UTF8.GetBytes("<svg></svg>!"), "image/png"))
        {
            var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
            Assert.That(error["details"]![0]!["field"]!.GetValue<string>(), Is.EqualTo("mime_type"));
        }

        var shorter = await CreateAsync(client, "short.png", 1000, "image/png");
        using (var response = await UploadAsync(anonymous, shorter, PngOf(999), "image/png"))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }

        var longer = await CreateAsync(client, "long.png", 1000, "image/png");
        using (var response = await UploadAsync(anonymous, longer, PngOf(300_000), "image/png"))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }

        var notText = await CreateAsync(client, "binary.txt", 4, "text/plain");
        using (var response = await UploadAsync(anonymous, notText, [0xC3, 0x28, 0x00, 0x01], "text/plain"))
        {
            await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        }

        foreach (var created in new[] { notPng, shorter, longer, notText })
        {
            Assert.That(await StoredAsync(created["id"]!.GetValue<string>()), Is.EqualTo((1L, 0L)), "still pending, no bytes kept");
        }

        // Once uploaded, its upload link takes nothing more.
        var done = await CreateUploadedAsync(App, client, "ok.png", TinyPng, "image/png");
        Assert.That(done["id"], Is.Not.Null);
    }

    [Test]
    public async Task AMessage_RefusesAnUnknownId_AnotherUsersAttachment_OneNotUploaded_OneAlreadyAttached_AndTooMany_StoringNothing()
    {
        using var client = App.ClientFor();
        using var stranger = App.ClientFor();
        var theirs = await CreateUploadedAsync(App, stranger, "theirs.png", TinyPng, "image/png");
        var pending = await CreateAsync(client, "later.png", TinyPng.Length, "image/png");
        var mine = await CreateUploadedAsync(App, client, "mine.png", TinyPng, "image/png");
        var used = await StreamAsync(client, "threads.create", new JsonObject { ["input"] = InputWith("first", mine["id"]!.GetValue<string>()) });
        var threadId = used.Events[0]["thread"]!["id"]!.GetValue<string>();
        var sessionsBefore = await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = (SELECT user_id FROM sessions WHERE id = @id)", new { id = Guid.Parse(threadId) });

        var unknown = "atc_" + Guid.NewGuid().ToString("N");
        var cases = new (string Id, string Says)[]
        {
            (unknown, "is not an attachment of yours"),
            ("not-an-id", "is not an attachment of yours"),
            (theirs["id"]!.GetValue<string>(), "is not an attachment of yours"),
            (pending["id"]!.GetValue<string>(), "is not uploaded yet"),
            (mine["id"]!.GetValue<string>(), "is attached to another message already"),
        };
        foreach (var (id, says) in cases)
        {
            foreach (var (type, parameters) in new (string, JsonObject)[]
            {
                ("threads.create", new JsonObject { ["input"] = InputWith("hi", id) }),
                ("threads.add_user_message", new JsonObject { ["thread_id"] = threadId, ["input"] = InputWith("hi", id) }),
            })
            {
                var error = await RefusedAsync(client, type, parameters, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
                var detail = error["details"]![0]!;
                Assert.That(detail["field"]!.GetValue<string>(), Is.EqualTo("params.input.attachments"), type);
                Assert.That(detail["message"]!.GetValue<string>(), Is.EqualTo($"{id} {says}"), type);
            }
        }

        var five = Enumerable.Range(0, 5).Select(_ => "atc_" + Guid.NewGuid().ToString("N")).ToArray();
        var tooMany = await RefusedAsync(client, "threads.add_user_message", new JsonObject { ["thread_id"] = threadId, ["input"] = InputWith("hi", five) }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(tooMany["details"]![0]!["message"]!.GetValue<string>(), Does.Contain("at most 4"));

        // Nothing stored: no message in the thread, no new session.
        var items = await CallAsync(client, "items.list", new { thread_id = threadId });
        Assert.That(items["data"]!.AsArray().Count(i => i!["type"]!.GetValue<string>() == "user_message"), Is.EqualTo(1));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = (SELECT user_id FROM sessions WHERE id = @id)", new { id = Guid.Parse(threadId) }),
            Is.EqualTo(sessionsBefore));
    }

    [Test]
    public async Task RestOneStepUpload_RefusesAFileOverTheLimit_WithTheEnvelope_AndWithoutAFileField()
    {
        using var client = App.ClientFor();
        using var form = Form(PngOf(10 * 1024 * 1024 + 1), "big.png", "image/png");
        using var tooBig = await client.PostAsync("/api/v1/chatkit/attachments", form);
        await tooBig.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");

        using var json = await client.PostAsJsonAsync("/api/v1/chatkit/attachments", new { file = "x" });
        await json.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        var raw = new ByteArrayContent(TinyPng);
        raw.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var notForm = await client.PostAsync("/api/v1/chatkit/attachments", raw);
        await notForm.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }
}
