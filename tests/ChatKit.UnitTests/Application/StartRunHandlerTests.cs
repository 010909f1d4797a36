using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace ChatKit.UnitTests.Application;

public sealed class StartRunHandlerTests
{
    private readonly ITurnStore _store = Substitute.For<ITurnStore>();
    private readonly ChatSession _session = new(Guid.CreateVersion7(), "alice", "New Chat", DateTime.UtcNow, DateTime.UtcNow, 0);
    private readonly IRunHost _host = Substitute.For<IRunHost>();
    private TurnStream? _started;

    [SetUp]
    public void CaptureTheStartedTurn() =>
        _host.Start(Arg.Do<TurnStream>(t => _started = t)).Returns(call => call.Arg<TurnStream>().RunId);

    private StartRunHandler Handler => new(new TurnStarter(
        _store,
        TurnRunnerTests.Runner(new TurnRunnerTests.ScriptedModel(), _store, new TurnRunnerTests.RecordingWriter(), Substitute.For<ITaskStore>()),
        TimeProvider.System, Options.Create(new LimitsOptions { MaxMessagesPerSession = 7 }), Options.Create(new RunOptions()),
        Options.Create(new PromptOptions { HistoryMaxMessages = 5 }),
        Options.Create(new BudgetOptions()),
        TurnRunnerTests.Metrics(),
        _host));

    private StartRunCommand Command(string? sessionId = null, string? threadId = null) =>
        new("alice", sessionId ?? _session.Id.ToString(), threadId ?? _session.Id.ToString(), "Hi there");

    [Test]
    public async Task Handle_WhenSessionIdIsNotAUuid_Returns404WithoutTouchingTheStore()
    {
        var result = await Handler.Handle(Command("nope"), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("SESSION_NOT_FOUND"));
        Assert.That(result.Error.Message, Is.EqualTo("Session nope not found"));
        await _store.DidNotReceiveWithAnyArgs().BeginTurnAsync(default!, default);
    }

    [Test]
    public async Task Handle_TellsTheStoreWhetherTheThreadMatches()
    {
        _store.BeginTurnAsync(Arg.Any<BeginTurn>(), Arg.Any<CancellationToken>()).Returns(BeginTurnResult.Refused(BeginTurnOutcome.ThreadNotFound));

        var result = await Handler.Handle(Command(threadId: "thread-x"), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("THREAD_NOT_FOUND"));
        Assert.That(result.Error.Message, Does.Contain("thread-x"));
        await _store.Received(1).BeginTurnAsync(Arg.Is<BeginTurn>(t => !t.ThreadMatches), Arg.Any<CancellationToken>());
    }

    [TestCase(BeginTurnOutcome.NotFound, "SESSION_NOT_FOUND")]
    [TestCase(BeginTurnOutcome.Forbidden, "FORBIDDEN")]
    [TestCase(BeginTurnOutcome.ThreadNotFound, "THREAD_NOT_FOUND")]
    [TestCase(BeginTurnOutcome.MessageLimit, "MESSAGE_LIMIT")]
    [TestCase(BeginTurnOutcome.RunInProgress, "RUN_IN_PROGRESS")]
    public async Task Handle_WhenTheStoreRefuses_MapsTheOutcome(BeginTurnOutcome outcome, string code)
    {
        _store.BeginTurnAsync(Arg.Any<BeginTurn>(), Arg.Any<CancellationToken>()).Returns(BeginTurnResult.Refused(outcome));

        var result = await Handler.Handle(Command(), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo(code));
    }

    [Test]
    public async Task Handle_WhenStarted_StoresTheTrimmedUserMessageWithLimitTitleAndHistoryBudget()
    {
        ChatMessage[] history = [ChatMessage.FromUser(_session.Id, "earlier", DateTime.UtcNow)];
        _store.BeginTurnAsync(Arg.Any<BeginTurn>(), Arg.Any<CancellationToken>()).Returns(call =>
            new BeginTurnResult(BeginTurnOutcome.Started, _session with { Title = "Hi there" }, true, history) { UserMessage = call.Arg<BeginTurn>().UserMessage });

        var result = await Handler.Handle(Command(), CancellationToken.None);

        Assert.That(result.IsSuccess, Is.True);
        await _store.Received(1).BeginTurnAsync(
            Arg.Is<BeginTurn>(t => t.UserMessage.Text == "Hi there" && t.UserMessage.Role == MessageRole.User && t.UserMessage.SessionId == _session.Id
                && t.MaxMessagesPerSession == 7 && t.TitleIfFirst == "Hi there" && t.ThreadMatches && t.HistoryCount == 5
                && t.ClaimId == result.Value),
            Arg.Any<CancellationToken>());
        Assert.That(_started, Is.Not.Null, "the use case starts the run it answers the id of");
        Assert.That(_started!.RunId, Is.EqualTo(result.Value));
        Assert.That(_started.SessionId, Is.EqualTo(_session.Id));
        Assert.That(_started.UserId, Is.EqualTo("alice"));
        Assert.That(_started.Background, Is.False);
    }

    [Test]
    public async Task Handle_StartsTheFirstModelCallBeforeTheCommitAndCancelsItWhenTheCommitFails()
    {
        var model = new WaitingModel();
        var handler = new StartRunHandler(new TurnStarter(
            _store,
            TurnRunnerTests.Runner(model, _store, new TurnRunnerTests.RecordingWriter(), Substitute.For<ITaskStore>()),
            TimeProvider.System,
            Options.Create(new LimitsOptions()),
            Options.Create(new RunOptions()),
            Options.Create(new PromptOptions()),
            Options.Create(new BudgetOptions()),
        TurnRunnerTests.Metrics(),
        _host));
        _store.BeginTurnAsync(Arg.Any<BeginTurn>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            call.Arg<BeginTurn>().Checked!([]);
            Assert.That(model.Started, Is.True, "the upstream request is under way before the commit");
            return Task.FromException<BeginTurnResult>(new TimeoutException("commit failed"));
        });

        await Assert.ThrowsAsync<TimeoutException>(async () => await handler.Handle(Command(), CancellationToken.None));

        Assert.That(await model.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5)), Is.True, "and cancelled when the commit fails");
    }

    private sealed class WaitingModel : IChatModel
    {
        public bool Started { get; private set; }

        public TaskCompletionSource<bool> Cancelled { get; } = new();

        public string Name => "waiting";

        public async IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatPrompt prompt, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            Started = true;
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                Cancelled.TrySetResult(ct.IsCancellationRequested);
            }

            yield break;
        }
    }
}
