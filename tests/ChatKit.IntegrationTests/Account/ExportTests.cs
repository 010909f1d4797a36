using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatKit.IntegrationTests.Attachments;
using ChatKit.IntegrationTests.Infrastructure;
using ChatKit.Testing;

namespace ChatKit.IntegrationTests.Account;

/// <summary><c>GET /api/v1/chatkit/export</c>: the caller's data, all of it and only theirs, as versioned NDJSON.</summary>
public sealed class ExportTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static async Task<List<string>> FillAsync(ChatKitFactory app, HttpClient client)
    {
        var sessions = new List<string>();
        foreach (var title in new[] { "Holiday plans", "Groceries" })
        {
            using var created = await client.PostAsJsonAsync(ChatApi.Sessions, new { title });
            var session = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["data"]!["id"]!.GetValue<string>();
            sessions.Add(session);
            await client.RunAsync(session, "Remember the passport");
        }

        using (var task = await client.PostAsJsonAsync("/api/v1/tasks", new { title = "Buy sunscreen", tags = new[] { "trip" } }))
        {
            Assert.That(task.IsSuccessStatusCode, Is.True);
        }

        await AttachmentFiles.CreateUploadedAsync(app, client, "ticket.png", AttachmentFiles.TinyPng, "image/png");
        return sessions;
    }

    [Test]
    public async Task TheExport_HoldsEveryKindOfTheCallersData_VersionedLineByLine_AndNothingOfAnotherUsers()
    {
        await using var app = ChatKitFactory.Create(Upstream);
        var alice = ChatKitFactory.NewUser();
        var bob = ChatKitFactory.NewUser();
        using var onAlice = app.ClientFor(alice);
        using var onBob = app.ClientFor(bob);
        var aliceSessions = await FillAsync(app, onAlice);
        var bobSessions = await FillAsync(app, onBob);

        using var response = await onAlice.GetAsync("/api/v1/chatkit/export", HttpCompletionOption.ResponseHeadersRead);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/x-ndjson"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(text, Does.EndWith("\n"));
        var lines = text.TrimEnd('\n').Split('\n').Select(l => JsonNode.Parse(l)!).ToList();

        Assert.That(lines[0]["kind"]!.GetValue<string>(), Is.EqualTo("export"));
        Assert.That(lines[0]["user_id"]!.GetValue<string>(), Is.EqualTo(alice));
        Assert.That(lines.All(l => l["version"]!.GetValue<int>() == 2), Is.True);
        var kinds = lines.Skip(1).GroupBy(l => l["kind"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.ToList());
        Assert.That(kinds["session"].Select(s => s["title"]!.GetValue<string>()), Is.EquivalentTo(new[] { "Holiday plans", "Groceries" }));
        Assert.That(kinds["session"].Select(s => s["id"]!.GetValue<string>()), Is.EquivalentTo(aliceSessions));
        Assert.That(kinds["message"], Has.Count.EqualTo(4));
        Assert.That(kinds["message"].All(m => aliceSessions.Contains(m["session_id"]!.GetValue<string>())), Is.True);
        Assert.That(kinds["message"].Count(m => m["role"]!.GetValue<string>() == "user" && m["content"]![0]!["text"]!.GetValue<string>() == "Remember the passport"), Is.EqualTo(2));
        Assert.That(kinds["task"].Single()["tags"]![0]!.GetValue<string>(), Is.EqualTo("trip"));
        Assert.That(kinds["attachment"].Single()["name"]!.GetValue<string>(), Is.EqualTo("ticket.png"));
        Assert.That(kinds["usage"], Has.Count.EqualTo(2));
        Assert.That(bobSessions.Any(id => text.Contains(id, StringComparison.Ordinal)), Is.False, "nothing of Bob's");
        Assert.That(text, Does.Not.Contain(bob));
        Assert.That(kinds.ContainsKey("attachment_chunk"), Is.False, "bytes only when asked for");

        // include=attachments: the bytes follow as chunk lines, base64; nothing of Bob's.
        var withBytes = (await onAlice.GetStringAsync("/api/v1/chatkit/export?include=attachments")).TrimEnd('\n').Split('\n').Select(l => JsonNode.Parse(l)!).ToList();
        var chunks = withBytes.Where(l => l["kind"]!.GetValue<string>() == "attachment_chunk").ToList();
        Assert.That(chunks.Select(c => c["attachment_id"]!.GetValue<string>()).Distinct(), Is.EqualTo(new[] { kinds["attachment"].Single()["id"]!.GetValue<string>() }));
        Assert.That(chunks.SelectMany(c => Convert.FromBase64String(c["data"]!.GetValue<string>())).ToArray(), Is.EqualTo(AttachmentFiles.TinyPng));
        using var badInclude = await onAlice.GetAsync("/api/v1/chatkit/export?include=everything");
        await badInclude.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }
}
