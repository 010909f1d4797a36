using ChatKit.Domain.Tasks;
using ChatKit.Domain.Text;

namespace ChatKit.UnitTests.Domain;

public sealed class TaskRulesTests
{
    [TestCase("  Buy milk ", "Buy milk")]
    [TestCase("😀", "😀")]
    public void Title_IsTrimmed(string raw, string expected)
    {
        Assert.That(TaskRules.Title(raw, out var title), Is.Null);
        Assert.That(title, Is.EqualTo(expected));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    [TestCase("a\0b")]
    public void Title_WhenMissingBlankOrUnstorable_IsRefused(string? raw) =>
        Assert.That(TaskRules.Title(raw, out _)!.Field, Is.EqualTo("title"));

    [Test]
    public void Title_CountsCodePoints()
    {
        Assert.That(TaskRules.Title(string.Concat(Enumerable.Repeat("😀", 200)), out _), Is.Null);
        Assert.That(TaskRules.Title(string.Concat(Enumerable.Repeat("😀", 201)), out _), Is.Not.Null);
    }

    [Test]
    public void Description_DefaultsToEmptyAndIsCappedAt1000()
    {
        Assert.That(TaskRules.Description(null, out var none), Is.Null);
        Assert.That(none, Is.Empty);
        Assert.That(TaskRules.Description(new string('d', 1000), out _), Is.Null);
        Assert.That(TaskRules.Description(new string('d', 1001), out _)!.Field, Is.EqualTo("description"));
    }

    [TestCase("HIGH", TaskPriority.High)]
    [TestCase(" low ", TaskPriority.Low)]
    [TestCase(null, TaskPriority.Medium)]
    public void Priority_IsCaseInsensitiveWithMediumDefault(string? raw, TaskPriority expected)
    {
        Assert.That(TaskRules.Priority(raw, out var priority), Is.Null);
        Assert.That(priority, Is.EqualTo(expected));
    }

    [Test]
    public void Priority_WhenUnknown_IsRefused() => Assert.That(TaskRules.Priority("urgent", out _)!.Field, Is.EqualTo("priority"));

    [Test]
    public void Tags_AreTrimmedAndDeduplicatedCaseInsensitivelyKeepingTheFirstSpelling()
    {
        Assert.That(TaskRules.Tags([" Home", "home", "HOME ", "work"], out var tags), Is.Null);
        Assert.That(tags, Is.EqualTo(new[] { "Home", "work" }));
    }

    [Test]
    public void Tags_CountAfterDeduplication()
    {
        var eleven = Enumerable.Range(0, 11).Select(i => (string?)$"t{i}").ToList();
        Assert.That(TaskRules.Tags(eleven, out _)!.Field, Is.EqualTo("tags"));
        Assert.That(TaskRules.Tags([.. eleven.Take(10), "T0"], out var ten), Is.Null);
        Assert.That(ten, Has.Count.EqualTo(10));
    }

    [TestCase(" ")]
    [TestCase(null)]
    [TestCase("x\0")]
    public void Tags_WhenOneIsEmptyOrUnstorable_AreRefused(string? tag) => Assert.That(TaskRules.Tags(["ok", tag], out _), Is.Not.Null);

    [Test]
    public void Tags_LongerThan50CodePoints_AreRefused()
    {
        Assert.That(TaskRules.Tags([new string('t', 50)], out _), Is.Null);
        Assert.That(TaskRules.Tags([new string('t', 51)], out _), Is.Not.Null);
    }

    [Test]
    public void RemoveTags_IgnoresCase() =>
        Assert.That(TaskRules.RemoveTags(["Home", "work"], ["HOME"]), Is.EqualTo(new[] { "work" }));

    // Built in code: an attribute argument is stored as UTF-8, which turns a lone surrogate into U+FFFD.
    [Test]
    public void StorableText_KnowsWhatPostgresCanStore()
    {
        Assert.That(new[] { "a\0b", "\ud800", "x\udc00", "\udc00\ud800" }.Select(StorableText.IsStorable), Is.All.False);
        Assert.That(new[] { "😀", "plain", string.Empty }.Select(StorableText.IsStorable), Is.All.True);
    }

    [Test]
    public void StorableText_RepairsOnlyWhatCannotBeStored() =>
        Assert.That(StorableText.Repair("a\0b\ud800c😀"), Is.EqualTo("a\uFFFDb\uFFFDc😀"));
}
