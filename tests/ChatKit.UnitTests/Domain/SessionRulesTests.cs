using ChatKit.Domain.Sessions;

namespace ChatKit.UnitTests.Domain;

public sealed class SessionRulesTests
{
    [TestCase("Hello", "Hello")]
    [TestCase("  padded  \nsecond", "padded")]
    [TestCase("\n\n  \nthird line wins\nnot this", "third line wins")]
    [TestCase("   ", "New Chat")]
    public void TitleFromFirstMessage_WhenShort_IsFirstNonBlankLineTrimmed(string text, string expected) =>
        Assert.That(SessionRules.TitleFromFirstMessage(text), Is.EqualTo(expected));

    [Test]
    public void TitleFromFirstMessage_WhenLongerThan60_CutsTo60CodePointsPlusEllipsis()
    {
        var line = new string('a', 59) + "😀😀😀";

        var title = SessionRules.TitleFromFirstMessage(line);

        Assert.That(title, Is.EqualTo(new string('a', 59) + "😀…"));
        Assert.That(SessionRules.CodePointCount(title), Is.EqualTo(61));
    }

    [Test]
    public void TitleFromFirstMessage_WhenExactly60_HasNoEllipsis() =>
        Assert.That(SessionRules.TitleFromFirstMessage(new string('b', 60)), Is.EqualTo(new string('b', 60)));

    [TestCase("", 0)]
    [TestCase("abc", 3)]
    [TestCase("😀", 1)]
    [TestCase("a😀b𝕏", 4)]
    public void CodePointCount_CountsAstralCharactersOnce(string text, int expected) =>
        Assert.That(SessionRules.CodePointCount(text), Is.EqualTo(expected));

    [Test]
    public void ToStoragePrecision_DropsSubMicrosecondTicks()
    {
        var instant = new DateTimeOffset(2026, 11, 26, 10, 15, 30, TimeSpan.Zero).AddTicks(1_234_567);

        var stored = SessionRules.ToStoragePrecision(instant);

        Assert.That(stored.Ticks % 10, Is.Zero);
        Assert.That(stored.Kind, Is.EqualTo(DateTimeKind.Utc));
        Assert.That(instant.UtcDateTime - stored, Is.EqualTo(TimeSpan.FromTicks(7)));
    }
}
