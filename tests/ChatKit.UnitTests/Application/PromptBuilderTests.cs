using ChatKit.Application.Abstractions;
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

    [Test]
    public void Compose_ANoteStoredAmongAStepsResults_FollowsThem_SoNoCallIsSeparatedFromItsResult()
    {
        var call = new ToolCall("c1", "function", new ToolCallFunction("list_tasks", "{}"));
        var step = Msg(MessageRole.Assistant, string.Empty) with { ToolCalls = [call] };
        var result = Msg(MessageRole.Tool, "{\"success\":true}") with { ToolCallId = "c1" };
        var note = Msg(MessageRole.Note, "Through the tasks widget, the user marked the task “Milk” done.");
        var history = new[] { Msg(MessageRole.User, "list"), step, note, result, Msg(MessageRole.Assistant, "Here.") };
        var newMessage = Msg(MessageRole.User, "and now?");

        var prompt = PromptBuilder.Compose(new PromptOptions(), history, newMessage);

        Assert.That(prompt.Messages.Select(m => m.Role), Is.EqualTo(new[]
        {
            MessageRole.User, MessageRole.Assistant, MessageRole.Tool, MessageRole.Note, MessageRole.Assistant, MessageRole.User,
        }));
        Assert.That(prompt.Messages[3].Text, Is.EqualTo(note.Text));
    }

    [Test]
    public void Compose_AfterAReplyTheUserStopped_SaysSoBeforeTheNewMessage_AndOnlyThen()
    {
        var stopped = Msg(MessageRole.Assistant, "Once upon a") with { Status = MessageStatus.Incomplete, Stopped = true };
        var newMessage = Msg(MessageRole.User, "shorter please");

        var prompt = PromptBuilder.Compose(new PromptOptions(), [Msg(MessageRole.User, "a story"), stopped], newMessage);
        var later = PromptBuilder.Compose(new PromptOptions(), [Msg(MessageRole.User, "a story"), stopped, Msg(MessageRole.User, "x"), Msg(MessageRole.Assistant, "y")], newMessage);

        Assert.That(prompt.Messages[^2], Is.EqualTo(new PromptMessage(MessageRole.Note, PromptBuilder.StoppedNote)));
        Assert.That(prompt.Messages[^1].Text, Is.EqualTo("shorter please"));
        Assert.That(later.Messages.Select(m => m.Text), Has.None.EqualTo(PromptBuilder.StoppedNote), "only the reply just before the new message counts");
    }
}
