using System.Text;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Import;
using ChatKit.Application.Search;

namespace ChatKit.UnitTests.Application;

/// <summary>The import's line reader (a line at a time, each checked and rebuilt) and the search snippet's HTML.</summary>
public sealed class ImportLineReaderTests
{
    private const string Header = """{"kind":"export","version":2,"user_id":"u","exported_at":"2026-11-30T00:00:00Z"}""";
    private const string Session = """{"kind":"session","version":2,"id":"0193a9a2-0000-7000-8000-000000000001","title":"Trip","created_at":"2026-11-30T10:00:00+01:00","updated_at":"2026-11-30T10:00:00+01:00","extra":"dropped"}""";

    private static readonly ImportRules Rules = new(500, 10 * 1024 * 1024, ["image/png", "text/plain"]);

    private static async Task<List<ImportLine>> ReadAsync(string text)
    {
        using var body = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var lines = new List<ImportLine>();
        await foreach (var line in ImportLineReader.ReadAsync(body, Rules, CancellationToken.None))
        {
            lines.Add(line);
        }

        return lines;
    }

    [Test]
    public async Task Lines_AreRebuiltFromTheirKnownFields_BlankAndCrLfLinesAndALastLineWithoutNewlineIncluded()
    {
        var lines = await ReadAsync(Header + "\r\n\r\n" + Session + "\r\n" + """{"kind":"usage","version":2,"id":"x"}""");

        Assert.That(lines.Select(l => (l.Number, l.Kind)), Is.EqualTo(new[] { (3, "session"), (4, ImportLineReader.Usage) }));
        Assert.That(lines[0].Json, Does.Not.Contain("extra"), "unknown fields are not passed on");
        Assert.That(
            System.Text.Json.Nodes.JsonNode.Parse(lines[0].Json)!["created_at"]!.GetValue<string>(),
            Is.EqualTo("2026-11-30T09:00:00.0000000+00:00"),
            "times are normalised to UTC");
    }

    [TestCase("", 1, "empty")]
    [TestCase("{\"kind\":\"session\",\"version\":2}", 1, "header")]
    [TestCase(Header + "\n{\"kind\":\"session\",\"version\":1}", 2, "version must be 2")]
    [TestCase(Header + "\n[1,2]", 2, "JSON object")]
    [TestCase(Header + "\n{\"kind\":\"task\",\"version\":2,\"id\":\"0193a9a2-0000-7000-8000-000000000002\",\"title\":\"  \",\"priority\":\"low\",\"created_at\":\"2026-11-30T00:00:00Z\",\"updated_at\":\"2026-11-30T00:00:00Z\"}", 2, "title")]
    [TestCase(Header + "\n{\"kind\":\"attachment_chunk\",\"version\":2,\"attachment_id\":\"0193a9a2-0000-7000-8000-000000000003\",\"seq\":0,\"data\":\"not base64!\"}", 2, "base64")]
    public async Task ABadFile_NamesItsLine(string text, int line, string says)
    {
        var error = await Assert.ThrowsAsync<ImportLineException>(() => ReadAsync(text));
        Assert.That(error!.Line, Is.EqualTo(line));
        Assert.That(error.Reason, Does.Contain(says));
    }

    [Test]
    public async Task ALineLongerThanTheLimit_IsRefusedBeforeItIsHeldWhole()
    {
        var huge = Header + "\n{\"kind\":\"session\",\"title\":\"" + new string('a', ImportLineReader.MaxLineBytes + 10);

        var error = await Assert.ThrowsAsync<ImportLineException>(() => ReadAsync(huge));

        Assert.That(error!.Line, Is.EqualTo(2));
        Assert.That(error.Reason, Does.Contain("KiB"));
    }

    [TestCase("\u0001a&b\u0002 <c> 'd' \"e\"", "<mark>a&amp;b</mark> &lt;c&gt; &#39;d&#39; &quot;e&quot;")]
    [TestCase("\u0003script\u0004x\u0005", "&lt;script&gt;x&amp;")]
    [TestCase("\u0002stray\u0001open", "stray<mark>open</mark>")]
    public void ASnippet_IsEscapedThenMarked(string stored, string html) =>
        Assert.That(SnippetMarkup.ToHtml(stored), Is.EqualTo(html));
}
