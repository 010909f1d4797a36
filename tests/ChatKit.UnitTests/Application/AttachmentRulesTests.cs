using System.Text;
using ChatKit.Application.Attachments;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Engine;
using ChatKit.Domain.Attachments;
using ChatKit.Domain.Sessions;

namespace ChatKit.UnitTests.Application;

/// <summary>The attachment rules that need no database: the upload's checks as bytes pass, links, a message's ids, the prompt.</summary>
public sealed class AttachmentRulesTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static byte[] Png(int size)
    {
        var bytes = new byte[size];
        PngSignature.CopyTo(bytes, 0);
        return bytes;
    }

    private static async Task<(List<int> Chunks, Error? Refused)> ReadAsync(byte[] bytes, string mime, long? declared, long max = 10 * 1024 * 1024)
    {
        var chunks = new List<int>();
        try
        {
            await foreach (var chunk in UploadChunks.ReadAsync(new MemoryStream(bytes), mime, declared, max))
            {
                chunks.Add(chunk.Length);
            }

            return (chunks, null);
        }
        catch (AttachmentRejectedException e)
        {
            return (chunks, e.Error);
        }
    }

    [Test]
    public async Task Upload_ComesInChunksOfAtMost256KiB_WhenItIsWhatWasDeclared()
    {
        var (chunks, refused) = await ReadAsync(Png(600_000), "image/png", 600_000);
        Assert.That(refused, Is.Null);
        Assert.That(chunks, Is.EqualTo(new[] { 262_144, 262_144, 75_712 }));
    }

    [TestCase(599_999, "size")]
    [TestCase(600_001, "size")]
    public async Task Upload_IsRefused_WhenItIsNotTheDeclaredSize(int declared, string field)
    {
        var (_, refused) = await ReadAsync(Png(600_000), "image/png", declared);
        Assert.That(refused!.Details![0].Field, Is.EqualTo(field));
    }

    [Test]
    public async Task Upload_IsRefusedAsTooLarge_AtTheFirstByteOverTheLimit_WithoutReadingTheRest()
    {
        var (chunks, refused) = await ReadAsync(Png(700_000), "image/png", null, max: 300_000);
        Assert.That(refused!.Code, Is.EqualTo(Errors.PayloadTooLargeCode));
        Assert.That(chunks, Has.Count.EqualTo(1), "refused at the second chunk");
    }

    [TestCase("image/png", new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, false)]
    [TestCase("image/jpeg", new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, true)]
    [TestCase("image/gif", new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 }, true)]
    [TestCase("image/webp", new byte[] { 0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50 }, true)]
    [TestCase("image/webp", new byte[] { 0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x41, 0x56, 0x45 }, false)]
    [TestCase("application/pdf", new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x31 }, true)]
    [TestCase("application/pdf", new byte[] { 0x3C, 0x68, 0x74, 0x6D, 0x6C }, false)]
    public void TheFirstBytes_MustBeTheDeclaredTypesSignature(string mime, byte[] head, bool looksLike) =>
        Assert.That(AttachmentTypes.LooksLike(mime, head), Is.EqualTo(looksLike));

    [Test]
    public async Task ATextFile_MayHaveACharacterAcrossChunks_ButNotInvalidUtf8OrNul()
    {
        var text = new string('a', 262_143) + "é and more"; // é's two bytes straddle the first chunk's end
        Assert.That((await ReadAsync(Encoding.UTF8.GetBytes(text), "text/plain", Encoding.UTF8.GetByteCount(text))).Refused, Is.Null);
        Assert.That((await ReadAsync([0x61, 0xC3], "text/plain", 2)).Refused!.Details![0].Message, Does.Contain("UTF-8"), "a character cut at the end");
        Assert.That((await ReadAsync([0x61, 0x00, 0x62], "text/csv", 3)).Refused!.Details![0].Message, Does.Contain("NUL"));
    }

    [Test]
    public void ALink_ChecksOnlyForItsAttachment_ItsUse_ItsOwner_AndUntilItExpires()
    {
        var a = new Attachment(Guid.NewGuid(), "ann", "a.png", "image/png", 10, DateTime.UtcNow);
        var links = TestAttachments.Links;
        var query = new Uri(links.ContentLink(a)).Query.TrimStart('?').Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        var expires = long.Parse(query["expires"], System.Globalization.CultureInfo.InvariantCulture);
        var signature = query["signature"];

        Assert.That(links.Verify(a, AttachmentLinks.ContentUse, expires, signature), Is.True);
        Assert.That(links.Verify(a, AttachmentLinks.UploadUse, expires, signature), Is.False, "another use");
        Assert.That(links.Verify(a with { Id = Guid.NewGuid() }, AttachmentLinks.ContentUse, expires, signature), Is.False, "another attachment");
        Assert.That(links.Verify(a with { UserId = "bob" }, AttachmentLinks.ContentUse, expires, signature), Is.False, "another owner");
        Assert.That(links.Verify(a, AttachmentLinks.ContentUse, expires + 1, signature), Is.False, "a later expiry");
        Assert.That(links.Verify(a, AttachmentLinks.ContentUse, expires, signature[..^1] + (signature[^1] == 'A' ? 'B' : 'A')), Is.False);
        Assert.That(links.Verify(a, AttachmentLinks.ContentUse, expires, "not base64url!"), Is.False);
        Assert.That(links.Verify(a, AttachmentLinks.ContentUse, DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds(), signature), Is.False, "expired");
    }

    [Test]
    public void AMessagesAttachments_AreCheckedInTheOrderSent_TheFirstRefusalNamed()
    {
        var mine = new Attachment(Guid.NewGuid(), "ann", "a.png", "image/png", 10, DateTime.UtcNow) { Uploaded = true };
        var pending = mine with { Id = Guid.NewGuid(), Uploaded = false };
        var taken = mine with { Id = Guid.NewGuid(), MessageId = Guid.NewGuid() };
        var theirs = mine with { Id = Guid.NewGuid(), UserId = "bob" };

        var ok = MessageAttachments.Check([mine.WireId], [mine], "ann", "message");
        Assert.That(ok.Value, Is.EqualTo(new[] { mine }));
        foreach (var (refused, says) in new[] { (pending, "is not uploaded yet"), (taken, "is attached to another message already"), (theirs, "is not an attachment of yours") })
        {
            var result = MessageAttachments.Check([mine.WireId, refused.WireId], [mine, pending, taken, theirs], "ann", "message");
            Assert.That(result.Error!.Details![0], Is.EqualTo(new ErrorDetail("message.attachments", $"{refused.WireId} {says}")));
        }
    }

    [Test]
    public void ThePrompt_KeepsAnAttachmentWithItsMessage_OrDropsBoth()
    {
        var session = Guid.NewGuid();
        ChatMessage User(string text, params Attachment[] attachments) =>
            ChatMessage.FromUser(session, text, DateTime.UtcNow) with { Attachments = attachments };
        var image = new Attachment(Guid.NewGuid(), "ann", "board.png", "image/png", 5_000_000, DateTime.UtcNow) { Uploaded = true };
        var old = User("old, with a picture", image);
        var recent = User("recent");
        var newMessage = User("new", image with { Id = Guid.NewGuid() });

        var roomy = PromptBuilder.Compose(new PromptOptions { HistoryMaxChars = 4_000 }, [old, recent], newMessage);
        Assert.That(roomy.Messages.Select(m => (m.Text, m.Attachments.Count)), Is.EqualTo(new[] { ("old, with a picture", 1), ("recent", 0), ("new", 1) }));

        // The image alone weighs 3 000 characters: under a tighter budget the old message goes, and its image with it.
        var tight = PromptBuilder.Compose(new PromptOptions { HistoryMaxChars = 2_000 }, [old, recent], newMessage);
        Assert.That(tight.Messages.Select(m => (m.Text, m.Attachments.Count)), Is.EqualTo(new[] { ("recent", 0), ("new", 1) }), "the new message keeps its own always");
    }
}
