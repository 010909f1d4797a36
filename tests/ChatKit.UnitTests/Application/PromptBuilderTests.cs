using ChatKit.Application.Options;
using ChatKit.Application.Runs.Engine;
using ChatKit.Domain.Sessions;

namespace ChatKit.UnitTests.Application;

public sealed class PromptBuilderTests
{
    private static readonly Guid Session = Guid.NewGuid();

    private static ChatMessage Msg(MessageRole role, string text) =>
        new(Guid.CreateVersion7(), Session, role, [new ContentPart("x", text)], null, MessageStatus.Completed, DateTime.UtcNow);

    [Test]
    public void Compose_KeepsTheMostRecentWithinTheCountAndEndsWithTheNewMessageOnce()
    {
        var history = Enumerable.Range(1, 6).Select(i => Msg(i % 2 == 1 ? MessageRole.User : MessageRole.Assistant, $"m{i}")).ToList();
        var newMessage = Msg(MessageRole.User, "new");

        var prompt = PromptBuilder.Compose(new PromptOptions { SystemPrompt = "sys", HistoryMaxMessages = 3 }, [.. history, newMessage], newMessage);

        Assert.That(prompt.SystemPrompt, Is.EqualTo("sys"));
        Assert.That(prompt.Messages.Select(m => m.Text), Is.EqualTo(new[] { "m4", "m5", "m6", "new" }));
    }

    [Test]
    public void Compose_StopsAtTheCharacterBudgetDroppingTheOldest()
    {
        var history = new[] { Msg(MessageRole.User, "aaaaaaaaaa"), Msg(MessageRole.Assistant, "bbbbb"), Msg(MessageRole.User, "ccccc") };
        var newMessage = Msg(MessageRole.User, "new");

        var prompt = PromptBuilder.Compose(new PromptOptions { HistoryMaxMessages = 10, HistoryMaxChars = 12 }, history, newMessage);

        Assert.That(prompt.Messages.Select(m => m.Text), Is.EqualTo(new[] { "bbbbb", "ccccc", "new" }));
    }

    [Test]
    public void Compose_SkipsEmptyRepliesAndToolMessages()
    {
        var history = new[] { Msg(MessageRole.User, "q"), Msg(MessageRole.Assistant, string.Empty), Msg(MessageRole.Tool, "{}") };
        var newMessage = Msg(MessageRole.User, "again");

        var prompt = PromptBuilder.Compose(new PromptOptions(), history, newMessage);

        Assert.That(prompt.Messages.Select(m => (m.Role, m.Text)), Is.EqualTo(new[] { (MessageRole.User, "q"), (MessageRole.User, "again") }));
    }
}
