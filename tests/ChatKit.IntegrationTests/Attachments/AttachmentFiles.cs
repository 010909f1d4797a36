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

    /// <summary>A real PNG of a diagonal gradient (8-bit RGB), for a thumbnail a browser decodes and a screenshot shows.</summary>
    public static byte[] GradientPng(int width, int height)
    {
        var raw = new byte[height * (1 + (3 * width))];
        for (var y = 0; y < height; y++)
        {
            var row = y * (1 + (3 * width)); // each row starts with its filter byte (0: none)
            for (var x = 0; x < width; x++)
            {
                raw[row + 1 + (3 * x)] = (byte)(255 * x / width);
                raw[row + 2 + (3 * x)] = (byte)(255 * y / height);
                raw[row + 3 + (3 * x)] = 200;
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw);
        }

        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        using var png = new MemoryStream();
        png.Write(TinyPng.AsSpan(0, 8));
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typed));
        png.Write(length);
    }

    /// <summary>PNG's chunk checksum (CRC-32, polynomial 0xEDB88320).</summary>
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

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
