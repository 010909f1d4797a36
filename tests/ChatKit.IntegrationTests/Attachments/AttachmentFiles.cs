using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Attachments;

/// <summary>Real files and the requests a ChatKit client makes with them: create, upload to the signed link, attach.</summary>
public static class AttachmentFiles
{
    /// <summary>A real 1×1 PNG.</summary>
    public static readonly byte[] TinyPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    /// <summary>A PNG's signature followed by <paramref name="size"/> bytes in all (spans several stored chunks when large).</summary>
    public static byte[] PngOf(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        TinyPng.AsSpan(0, 8).CopyTo(bytes);
        return bytes;
    }

    /// <summary>The path and query of an absolute link (the test server answers any host).</summary>
    public static string PathOf(JsonNode? url) => new Uri(url!.GetValue<string>()).PathAndQuery;

    public static Task<JsonNode> CreateAsync(HttpClient client, string name, long size, string mimeType) =>
        CallAsync(client, "attachments.create", new { name, size, mime_type = mimeType });

    /// <summary>Sends the bytes as ChatKit's two-phase upload does: to the descriptor's URL with its method, no token.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(HttpClient anonymous, JsonNode created, byte[] bytes, string mimeType)
    {
        var descriptor = created["upload_descriptor"]!;
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
        return await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(descriptor["method"]!.GetValue<string>()), PathOf(descriptor["url"])) { Content = content });
    }

    /// <summary>Create and upload: the attachment as the upload answered it.</summary>
    public static async Task<JsonNode> CreateUploadedAsync(ChatKitFactory app, HttpClient client, string name, byte[] bytes, string mimeType)
    {
        var created = await CreateAsync(client, name, bytes.Length, mimeType);
        using var anonymous = app.CreateClient();
        using var response = await UploadAsync(anonymous, created, bytes, mimeType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!;
    }

    /// <summary>A user input with text and attachments, as ChatKit's composer sends it.</summary>
    public static JsonNode InputWith(string text, params string[] attachmentIds) => new JsonObject
    {
        ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = text }),
        ["attachments"] = new JsonArray(attachmentIds.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray()),
        ["inference_options"] = new JsonObject(),
    };

    public static MultipartFormDataContent Form(byte[] bytes, string name, string mimeType)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
        return new MultipartFormDataContent { { file, "file", name } };
    }

    public static Task<long> RowsAsync(string sql, object args) => TestEnvironment.ScalarAsync<long>(sql, args);

    /// <summary>Rows and stored bytes of the attachment (by its wire id).</summary>
    public static async Task<(long Records, long Chunks)> StoredAsync(string wireId)
    {
        var id = Guid.ParseExact(wireId["atc_".Length..], "N");
        return (await RowsAsync("SELECT count(*) FROM attachments WHERE id = @id", new { id }),
            await RowsAsync("SELECT count(*) FROM attachment_chunks WHERE attachment_id = @id", new { id }));
    }
}
