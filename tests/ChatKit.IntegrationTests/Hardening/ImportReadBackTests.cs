using System.Text;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>
/// Hardening II, item 6: an import line is checked for everything the service's readers need, and refused naming its
/// line, instead of being stored and failing every later read of its session. The same limits as every other door.
/// </summary>
public sealed class ImportReadBackTests
{
    private const string Import = "/api/v1/chatkit/import";

    private static readonly string SessionId = Guid.NewGuid().ToString();
    private static readonly string UserId = Guid.NewGuid().ToString();
    private static readonly string StepId = Guid.NewGuid().ToString();
    private static readonly string ResultId = Guid.NewGuid().ToString();
    private static readonly string ReplyId = Guid.NewGuid().ToString();
    private static readonly string AttachmentId = Guid.NewGuid().ToString();
    private static readonly byte[] Png = Attachments.AttachmentFiles.TinyPng;

    /// <summary>A good file, a line a JSON object: header, session, a turn with a tool step, an attachment and its bytes.</summary>
    private static List<JsonObject> Base() =>
    [
        Line("""{"kind":"export","version":2,"user_id":"someone","exported_at":"2026-01-01T00:00:00Z"}"""),
        Line($$$"""{"kind":"session","version":2,"id":"{{{SessionId}}}","title":"Imported","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:05Z"}"""),
        Line($$$"""{"kind":"message","version":2,"id":"{{{UserId}}}","session_id":"{{{SessionId}}}","role":"user","content":[{"type":"input_text","text":"list my tasks"}],"status":"completed","created_at":"2026-01-01T00:00:01Z","parent_id":"{{{SessionId}}}"}"""),
        Line($$$"""{"kind":"message","version":2,"id":"{{{StepId}}}","session_id":"{{{SessionId}}}","role":"assistant","content":[{"type":"output_text","text":""}],"tool_calls":[{"id":"c1","type":"function","function":{"name":"list_tasks","arguments":"{}"}}],"status":"completed","created_at":"2026-01-01T00:00:02Z","parent_id":"{{{UserId}}}"}"""),
        Line($$$"""{"kind":"message","version":2,"id":"{{{ResultId}}}","session_id":"{{{SessionId}}}","role":"tool","tool_call_id":"c1","content":[{"type":"tool_result","text":"{\"tasks\":[]}"}],"status":"completed","created_at":"2026-01-01T00:00:03Z","parent_id":"{{{StepId}}}"}"""),
        Line($$$"""{"kind":"message","version":2,"id":"{{{ReplyId}}}","session_id":"{{{SessionId}}}","role":"assistant","content":[{"type":"output_text","text":"You have none."}],"status":"completed","created_at":"2026-01-01T00:00:04Z","parent_id":"{{{ResultId}}}"}"""),
        Line($$$"""{"kind":"attachment","version":2,"id":"{{{AttachmentId}}}","session_id":"{{{SessionId}}}","message_id":"{{{UserId}}}","name":"a.png","mime_type":"image/png","size":{{{Png.Length}}},"created_at":"2026-01-01T00:00:01Z"}"""),
        Line($$$"""{"kind":"attachment_chunk","version":2,"attachment_id":"{{{AttachmentId}}}","seq":0,"data":"{{{Convert.ToBase64String(Png)}}}"}"""),
    ];

    private const int UserLine = 3, StepLine = 4, ResultLine = 5, ReplyLine = 6, AttachmentLine = 7, ChunkLine = 8;

    private static JsonObject Line(string json) => JsonNode.Parse(json)!.AsObject();

    private static string File(IEnumerable<JsonObject> lines) => string.Join('\n', lines.Select(l => l.ToJsonString())) + "\n";

    private static List<JsonObject> With(int line, Action<JsonObject> change)
    {
        var lines = Base();
        change(lines[line - 1]);
        return lines;
    }

    private static IEnumerable<TestCaseData> Refused()
    {
        yield return Case("a content part whose type is a number", With(UserLine, l => l["content"]![0]!["type"] = 5), UserLine, "content[0]");
        yield return Case("a content part whose text is true", With(UserLine, l => l["content"]![0]!["text"] = true), UserLine, "content[0]");
        yield return Case("a tool call that is a number", With(StepLine, l => l["tool_calls"] = new JsonArray(1)), StepLine, "tool_calls[0]");
        yield return Case("a tool call without a function name", With(StepLine, l => l["tool_calls"]![0]!["function"]!.AsObject().Remove("name")), StepLine, "tool_calls[0]");
        yield return Case("a time in 9999", With(ReplyLine, l => l["created_at"] = "9999-12-31T00:00:00Z"), ReplyLine, "created_at");
        yield return Case("a mime type with a CR", With(AttachmentLine, l => l["mime_type"] = "image/png\r"), AttachmentLine, "mime_type");
        yield return Case("a mime type ATTACHMENT_TYPES refuses", With(AttachmentLine, l => l["mime_type"] = "application/x-msdownload"), AttachmentLine, "mime_type");
        yield return Case("a size over ATTACHMENT_MAX_BYTES", With(AttachmentLine, l => l["size"] = 11L * 1024 * 1024), AttachmentLine, "size");
        yield return Case("a chunk over 256 KiB", With(ChunkLine, l => l["data"] = Convert.ToBase64String(new byte[300 * 1024])), ChunkLine, "KiB");
        yield return Case("chunks that skip a seq", With(ChunkLine, l => l["seq"] = 1), AttachmentLine, "skip a seq");
        yield return Case("a tool message without tool_call_id", With(ResultLine, l => l.Remove("tool_call_id")), ResultLine, "tool_call_id");
        yield return Case("a user message over MAX_MESSAGE_LENGTH", With(UserLine, l => l["content"]![0]!["text"] = new string('a', 501)), UserLine, "at most 500");
        yield return Case("a reply of about a megabyte", With(ReplyLine, l => l["content"]![0]!["text"] = string.Join(' ', Enumerable.Range(0, 150_000).Select(i => "w" + i))), ReplyLine, "at most");
        yield return Case("a message that is its own parent", With(UserLine, l => l["parent_id"] = UserId), UserLine, "cycle");
        yield return Case("two messages each other's parent", With(UserLine, l => l["parent_id"] = StepId), UserLine, "cycle");

        var many = Base();
        var chunk = many[ChunkLine - 1];
        many.RemoveAt(ChunkLine - 1);
        for (var i = 0; i < 4; i++)
        {
            var id = Guid.NewGuid().ToString();
            var attachment = many[AttachmentLine - 1].DeepClone().AsObject();
            attachment["id"] = id;
            many.Add(attachment);
        }

        many.Add(chunk);
        yield return Case("five attachments on one message (ATTACHMENTS_PER_MESSAGE is 4)", many, AttachmentLine, "at most 4");
    }

    private static TestCaseData Case(string name, List<JsonObject> lines, int line, string says) =>
        new TestCaseData(File(lines), line, says).SetArgDisplayNames(name);

    [TestCaseSource(nameof(Refused))]
    public async Task ALineTheServiceCouldNotReadBack_IsRefusedNamingIt_AndNothingIsStored(string file, int line, string says)
    {
        var user = ChatKitFactory.NewUser();
        using var client = AssemblySetup.App.ClientFor(user);

        using var response = await client.PostAsync(Import, new StringContent(file, Encoding.UTF8, "application/x-ndjson"));

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error["message"]!.GetValue<string>(), Does.StartWith($"Line {line} of the import").And.Contain(says));
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = @user", new { user }), Is.Zero);
    }

    [Test]
    public async Task TheGoodFile_Imports_AndReadsBackThroughEveryDoor()
    {
        using var client = AssemblySetup.App.ClientFor();

        using var response = await client.PostAsync(Import, new StringContent(File(Base()), Encoding.UTF8, "application/x-ndjson"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var session = (await (await client.GetAsync(ChatApi.Sessions)).JsonAsync())["data"]![0]!["id"]!.GetValue<string>();
        var messages = await client.MessagesAsync(session);
        Assert.That(messages.Select(m => m!["role"]!.GetValue<string>()), Is.EqualTo(new[] { "user", "assistant", "tool", "assistant" }));
        var items = await NativeApi.CallAsync(client, "items.list", new { thread_id = session });
        Assert.That(items["data"]!.AsArray(), Is.Not.Empty);
        var reply = await client.RunAsync(session, "and now?");
        Assert.That(reply.Types, Does.Not.Contain("error"), string.Join("\n", reply.Data));
    }
}
