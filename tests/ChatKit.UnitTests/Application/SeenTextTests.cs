using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.Recovery;
using ChatKit.Application.Runs.ThreadStream;

namespace ChatKit.UnitTests.Application;

/// <summary>What a takeover stores of a dead instance's reply: the open assistant item's text as clients got it.</summary>
public sealed class SeenTextTests
{
    private static readonly Guid Session = Guid.NewGuid();

    private static IEnumerable<RunEvent> Turn(Guid done, Guid open) =>
    [
        new StreamOptionsEvent(new StreamOptions(true)),
        new ItemAddedEvent(new AssistantMessageItem(done, Session, DateTime.UtcNow, [])),
        new ItemUpdatedEvent(done.ToString(), new ContentPartTextDelta(0, "Let me check. ")),
        new ItemDoneEvent(new AssistantMessageItem(done, Session, DateTime.UtcNow, [new OutputText("Let me check. ")])),
        new ItemAddedEvent(new AssistantMessageItem(open, Session, new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc), [])),
        new ItemUpdatedEvent(open.ToString(), new ContentPartAdded(0, new OutputText(string.Empty))),
        new ItemUpdatedEvent(open.ToString(), new ContentPartTextDelta(0, "You have ")),
        new ItemUpdatedEvent(open.ToString(), new ContentPartTextDelta(0, "three tasks")),
    ];

    [Test]
    public void FromTheSentEvents_TheOpenItemsTextIsEveryDeltaItStreamed()
    {
        var (done, open) = (Guid.NewGuid(), Guid.NewGuid());
        var records = Turn(done, open).Select((e, i) => new RunEventRecord(i + 1, ThreadStreamJson.Serialize(e))).ToList();

        var seen = SeenText.Of(records);

        Assert.That(seen.ItemId, Is.EqualTo(open), "the closed item is stored already");
        Assert.That(seen.Text, Is.EqualTo("You have three tasks"));
        Assert.That(seen.CreatedAt, Is.EqualTo(new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc)));
    }

    [Test]
    public void AsTheRunYieldsThem_TheSameText_AndNothingOnceTheItemIsDone()
    {
        var (done, open) = (Guid.NewGuid(), Guid.NewGuid());
        var seen = new SeenText();
        foreach (var e in Turn(done, open))
        {
            seen.Observe(e);
        }

        Assert.That((seen.ItemId, seen.Text, seen.Changed), Is.EqualTo(((Guid?)open, "You have three tasks", true)));
        seen.Take();
        Assert.That(seen.Changed, Is.False);
        seen.Observe(new ItemDoneEvent(new AssistantMessageItem(open, Session, DateTime.UtcNow, [new OutputText("You have three tasks")])));
        Assert.That(seen.ItemId, Is.Null);
        Assert.That(seen.Text, Is.Empty);
    }
}
