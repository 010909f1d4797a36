using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace ChatKit.UnitTests.Application;

public sealed class StartRunHandlerTests
{
    private readonly ISessionStore _store = Substitute.For<ISessionStore>();
    private readonly ChatSession _session = new(Guid.CreateVersion7(), "alice", "New Chat", DateTime.UtcNow, DateTime.UtcNow, 0);

    private StartRunHandler Handler => new(
        _store, TimeProvider.System, Options.Create(new LimitsOptions { MaxMessagesPerSession = 7 }), Options.Create(new RunOptions()));

    private StartRunCommand Command(string? threadId = null) =>
        new("alice", _session.Id.ToString(), threadId ?? _session.Id.ToString(), new RunMessageInput(null, [new RunContentInput(null, "Hi there")]));

    [Test]
    public async Task Handle_WhenSessionIsSomeoneElses_Returns403WithoutStoringAnything()
    {
        _store.FindAsync(_session.Id, "alice", Arg.Any<CancellationToken>()).Returns(new SessionLookup(SessionAccess.Forbidden, null));

        var result = await Handler.Handle(Command(), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("FORBIDDEN"));
        await _store.DidNotReceiveWithAnyArgs().BeginTurnAsync(default!, default);
    }

    [Test]
    public async Task Handle_WhenThreadDiffers_ReturnsThreadNotFoundWithoutStoringAnything()
    {
        _store.FindAsync(_session.Id, "alice", Arg.Any<CancellationToken>()).Returns(new SessionLookup(SessionAccess.Owned, _session));

        var result = await Handler.Handle(Command(Guid.NewGuid().ToString()), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("THREAD_NOT_FOUND"));
        await _store.DidNotReceiveWithAnyArgs().BeginTurnAsync(default!, default);
    }

    [TestCase(BeginTurnOutcome.MessageLimit, "MESSAGE_LIMIT")]
    [TestCase(BeginTurnOutcome.RunInProgress, "RUN_IN_PROGRESS")]
    [TestCase(BeginTurnOutcome.NotFound, "SESSION_NOT_FOUND")]
    public async Task Handle_WhenTheStoreRefuses_MapsTheOutcome(BeginTurnOutcome outcome, string code)
    {
        _store.FindAsync(_session.Id, "alice", Arg.Any<CancellationToken>()).Returns(new SessionLookup(SessionAccess.Owned, _session));
        _store.BeginTurnAsync(Arg.Any<BeginTurn>(), Arg.Any<CancellationToken>()).Returns(new BeginTurnResult(outcome, null, false));

        var result = await Handler.Handle(Command(), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo(code));
    }

    [Test]
    public async Task Handle_WhenStarted_StoresTheTrimmedUserMessageWithLimitAndTitle()
    {
        _store.FindAsync(_session.Id, "alice", Arg.Any<CancellationToken>()).Returns(new SessionLookup(SessionAccess.Owned, _session));
        _store.BeginTurnAsync(Arg.Any<BeginTurn>(), Arg.Any<CancellationToken>())
            .Returns(c => new BeginTurnResult(BeginTurnOutcome.Started, _session with { Title = "Hi there" }, true));

        var result = await Handler.Handle(Command(), CancellationToken.None);

        Assert.That(result.IsSuccess, Is.True);
        await _store.Received(1).BeginTurnAsync(
            Arg.Is<BeginTurn>(t => t.UserMessage.Text == "Hi there" && t.UserMessage.Role == MessageRole.User
                && t.MaxMessagesPerSession == 7 && t.TitleIfFirst == "Hi there" && t.ClaimId == result.Value.ClaimId),
            Arg.Any<CancellationToken>());
        Assert.That(result.Value.TitleChanged, Is.True);
    }
}
