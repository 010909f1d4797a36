using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatKit.IntegrationTests.Attachments;
using ChatKit.IntegrationTests.Infrastructure;
using ChatKit.Testing;

namespace ChatKit.IntegrationTests.Account;

/// <summary><c>POST /api/v1/chatkit/import</c>: an export read into another account, all or nothing, the same content after.</summary>
public sealed partial class ImportTests
{
    private const string Import = "/api/v1/chatkit/import";
    private const string Export = "/api/v1/chatkit/export?include=attachments";

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static async Task<HttpResponseMessage> ImportAsync(HttpClient client, string ndjson) =>
        await client.PostAsync(Import, new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));

    private static Task<long> SessionsOfAsync(string user) => TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = @user", new { user });

    /// <summary>
    /// The export's lines without what an import changes by design: the header, usage rows, and every id replaced by
    /// where it first appears (so references still have to match).
    /// </summary>
    private static List<string> Content(string ndjson)
    {
        var lines = ndjson.TrimEnd('\n').Split('\n').Where(l => Kind(l) is not ("export" or "usage")).ToList();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        return lines.Select(l => Uuid().Replace(l, m => ids.TryGetValue(m.Value, out var n) ? n : ids[m.Value] = $"#{ids.Count}")).ToList();
    }

    private static string Kind(string line) => JsonNode.Parse(line)!["kind"]!.GetValue<string>();

    /// <summary>The line with one field changed (null removes it).</summary>
    private static string Changed(string line, string field, JsonNode? value)
    {
        var json = JsonNode.Parse(line)!.AsObject();
        json[field] = value;
        return json.ToJsonString();
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Uuid();

    [Test]
    public async Task ExportThenImportIntoAnotherUserThenExport_GivesTheSameContent_BranchesTasksAndAttachmentBytesIncluded()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        var alice = ChatKitFactory.NewUser();
        var bob = ChatKitFactory.NewUser();
        using var onAlice = app.ClientFor(alice);
        using var onBob = app.ClientFor(bob);

        var session = await onAlice.CreateSessionAsync();
        var image = await AttachmentFiles.CreateUploadedAsync(app, onAlice, "board.png", AttachmentFiles.TinyPng, "image/png");
        using (var run = await onAlice.PostAsJsonAsync(ChatApi.RunsOf(session), new
        {
            message = new { role = "user", content = new[] { new { type = "input_text", text = "What is on the board?" } }, attachments = new[] { image["id"]!.GetValue<string>() } },
        }))
        {
            await ChatApi.ReadStreamAsync(run);
        }

        await onAlice.RunAsync(session, "And the plan for <Friday> & after?");
        var question = (await onAlice.MessagesAsync(session))[2]!["id"]!.GetValue<string>();
        using (var edit = await onAlice.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"{ChatApi.Sessions}/{session}/messages/{question}/edit") { Content = JsonContent.Create(ChatApi.MessageBody("And the plan for Monday?")) },
            HttpCompletionOption.ResponseHeadersRead))
        {
            await ChatApi.ReadStreamAsync(edit);
        }

        var second = await onAlice.CreateSessionAsync();
        await onAlice.RunAsync(second, "Groceries: milk");
        using (var task = await onAlice.PostAsJsonAsync("/api/v1/tasks", new { title = "Buy milk", description = "two litres", priority = "high", tags = new[] { "shop", "home" } }))
        {
            Assert.That(task.IsSuccessStatusCode, Is.True);
        }

        var exported = await onAlice.GetStringAsync(Export);
        using var imported = await ImportAsync(onBob, exported);
        var body = await imported.JsonAsync();
        Assert.That(imported.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        var counts = body["data"]!;
        Assert.That(counts["sessions"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(counts["messages"]!.GetValue<int>(), Is.EqualTo(8), "both branches of the edited session");
        Assert.That(counts["tasks"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(counts["attachments"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(counts["skipped"]!["usage"]!.GetValue<int>(), Is.EqualTo(4), "usage rows are the ledger's, not content");

        var again = await onBob.GetStringAsync(Export);
        Assert.That(Content(again), Is.EqualTo(Content(exported)));
        Assert.That(again, Does.Not.Contain(session), "new ids");

        // What Bob holds works like his own: the session reads with its branch, the attachment downloads, search finds it.
        var bobSessions = (await (await onBob.GetAsync(ChatApi.Sessions)).JsonAsync())["data"]!.AsArray();
        var bobSession = bobSessions.Single(s => s!["title"]!.GetValue<string>() == "What is on the board?")!["id"]!.GetValue<string>();
        var shown = await onBob.MessagesAsync(bobSession);
        Assert.That(shown.Select(m => m!["content"]![0]!["text"]!.GetValue<string>()), Has.Member("And the plan for Monday?"));
        Assert.That(shown[2]!["branch"]!["count"]!.GetValue<int>(), Is.EqualTo(2));
        var download = AttachmentFiles.PathOf(shown[0]!["attachments"]![0]!["preview_url"]);
        using var anonymous = app.CreateClient();
        Assert.That(await anonymous.GetByteArrayAsync(download), Is.EqualTo(AttachmentFiles.TinyPng));
        var found = (await (await onBob.GetAsync("/api/v1/chatkit/search?q=groceries")).JsonAsync())["data"]!.AsArray();
        Assert.That(found, Has.Count.EqualTo(1));
        Assert.That(await SessionsOfAsync(alice), Is.EqualTo(2), "Alice's data is untouched");
    }

    [Test]
    public async Task ABadLine_IsNamed_AndNothingIsImported()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        var alice = ChatKitFactory.NewUser();
        using var onAlice = app.ClientFor(alice);
        var session = await onAlice.CreateSessionAsync();
        await onAlice.RunAsync(session, "one");
        await onAlice.RunAsync(session, "two");
        var lines = (await onAlice.GetStringAsync(Export)).TrimEnd('\n').Split('\n').ToList();
        var firstMessage = lines.FindIndex(l => Kind(l) == "message");

        var cases = new List<(string Name, List<string> File, int Line, string Says)>
        {
            ("not JSON", With(lines, firstMessage, "{\"kind\": \"message\", "), firstMessage + 1, "not valid JSON"),
            ("unknown kind", With(lines, firstMessage, "{\"kind\":\"diary\",\"version\":2}"), firstMessage + 1, "diary"),
            ("a field of the wrong type", With(lines, firstMessage, Changed(lines[firstMessage], "status", 5)), firstMessage + 1, "status"),
            ("a message of no session", With(lines, firstMessage, Changed(lines[firstMessage], "session_id", Guid.NewGuid().ToString())), firstMessage + 1, "session_id"),
            ("an id twice", [.. lines, lines[firstMessage]], lines.Count + 1, "earlier line"),
            ("a NUL in the text", With(lines, firstMessage, Changed(lines[firstMessage], "quoted_text", "o\u0000ne")), firstMessage + 1, "NUL"),
            ("another version", With(lines, 0, Changed(lines[0], "version", 9)), 1, "header"),
            ("no header", lines.Skip(1).ToList(), 1, "header"),
        };
        foreach (var (name, file, line, says) in cases)
        {
            var bob = ChatKitFactory.NewUser();
            using var onBob = app.ClientFor(bob);
            using var response = await ImportAsync(onBob, string.Join('\n', file) + "\n");
            var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
            Assert.That(error["message"]!.GetValue<string>(), Does.StartWith($"Line {line} of the import").And.Contain(says), name);
            Assert.That(error["details"]![0]!["field"]!.GetValue<string>(), Is.EqualTo($"line {line}"), name);
            Assert.That(await SessionsOfAsync(bob), Is.Zero, name + ": nothing stored");
        }

        using var empty = await ImportAsync(onAlice, string.Empty);
        await empty.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        using var json = await onAlice.PostAsync(Import, new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/json"));
        await json.AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Test]
    public async Task TheImportersLimitsApply_ToWhatItWouldAdd_AndAVersion1ExportImports()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("MAX_SESSIONS_PER_USER", "3"));
        var alice = ChatKitFactory.NewUser();
        using var onAlice = app.ClientFor(alice);
        for (var i = 0; i < 2; i++)
        {
            await onAlice.RunAsync(await onAlice.CreateSessionAsync(), $"hello {i}");
        }

        var exported = await onAlice.GetStringAsync(Export);
        var bob = ChatKitFactory.NewUser();
        using var onBob = app.ClientFor(bob);
        await onBob.CreateSessionAsync();
        await onBob.CreateSessionAsync();
        using (var over = await ImportAsync(onBob, exported))
        {
            await over.AssertErrorAsync(HttpStatusCode.TooManyRequests, "SESSION_LIMIT");
        }

        Assert.That(await SessionsOfAsync(bob), Is.EqualTo(2), "nothing of the refused import");

        // A version 1 file (before branches): no parent links, every message shown; it imports, and edits like any other.
        var carol = ChatKitFactory.NewUser();
        using var onCarol = app.ClientFor(carol);
        var v1 = string.Join('\n', exported.TrimEnd('\n').Split('\n').Select(l =>
        {
            var line = JsonNode.Parse(l)!.AsObject();
            line["version"] = 1;
            line.Remove("parent_id");
            line.Remove("active");
            line.Remove("selected");
            return line.ToJsonString();
        }));
        using (var ok = await ImportAsync(onCarol, v1))
        {
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK), await ok.Content.ReadAsStringAsync());
        }

        var carolSession = (await (await onCarol.GetAsync(ChatApi.Sessions)).JsonAsync())["data"]![0]!["id"]!.GetValue<string>();
        var first = (await onCarol.MessagesAsync(carolSession))[0]!["id"]!.GetValue<string>();
        using var edit = await onCarol.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"{ChatApi.Sessions}/{carolSession}/messages/{first}/edit") { Content = JsonContent.Create(ChatApi.MessageBody("hello again")) },
            HttpCompletionOption.ResponseHeadersRead);
        Assert.That((await ChatApi.ReadStreamAsync(edit)).Status, Is.EqualTo(HttpStatusCode.OK));
        var shown = await onCarol.MessagesAsync(carolSession);
        Assert.That(shown[0]!["branch"]!["count"]!.GetValue<int>(), Is.EqualTo(2));
    }

    private static List<string> With(List<string> lines, int index, string replacement)
    {
        var copy = lines.ToList();
        copy[index] = replacement;
        return copy;
    }
}
