using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
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

    private StartRunHandler Handler => HandlerWith(new TurnRunnerTests.ScriptedModel(), new LimitsOptions { MaxMessagesPerSession = 7 });

    private StartRunHandler HandlerWith(IChatModel model, LimitsOptions limits) => new(new TurnStarter(
        _store,
        TurnRunnerTests.Runner(model, _store, new TurnRunnerTests.RecordingWriter(), Substitute.For<ITaskStore>()),
        TimeProvider.System, Options.Create(new RunOptions()),
        Options.Create(new PromptOptions { HistoryMaxMessages = 5 }),
        Options.Create(new BudgetOptions()),
        TurnRunnerTests.Metrics(),
        _host,
        new TurnRunnerTests.RecordingWriter(),
        TestAttachments.Links,
        new ChatKit.Application.Runs.Recovery.OrphanWatch(Substitute.For<IRunEventLog>()),
        TestPlans.Catalog(limits),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<TurnStarter>.Instance));

    private StartRunCommand Command(string? sessionId = null, string? threadId = null) =>
        new("alice", sessionId ?? _session.Id.ToString(), threadId ?? _session.Id.ToString(), "Hi there");

    /// <summary>A start transaction whose facts are <paramref name="facts"/>; its history and its commit as given.</summary>
    private ITurnTransaction Opens(TurnFacts facts, IReadOnlyList<ChatMessage>? history = null, Func<CommitTurn, Task<ChatSession>>? commit = null)
    {
        var tx = Substitute.For<ITurnTransaction>();
        tx.Facts.Returns(facts);
        tx.ReadHistoryAsync(Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(history ?? []);
        tx.CommitAsync(Arg.Any<CommitTurn>(), Arg.Any<CancellationToken>())
            .Returns(call => commit is null ? Task.FromResult(_session with { MessageCount = 1 }) : commit(call.Arg<CommitTurn>()));
        _store.OpenAsync(Arg.Any<OpenTurn>(), Arg.Any<CancellationToken>()).Returns(tx);
        return tx;
    }

    private static TurnFacts Owned(int messageCount = 0, bool busy = false) => new(true, true, true, messageCount, busy, true, "New Chat");

    [Test]
    public async Task Handle_WhenSessionIdIsNotAUuid_Returns404WithoutTouchingTheStore()
    {
        var result = await Handler.Handle(Command("nope"), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("SESSION_NOT_FOUND"));
        Assert.That(result.Error.Message, Is.EqualTo("Session nope not found"));
        await _store.DidNotReceiveWithAnyArgs().OpenAsync(default!, default);
    }

    [Test]
    public async Task Handle_WhenTheThreadDoesNotMatch_RefusesAndRollsBack()
    {
        var tx = Opens(Owned());

        var result = await Handler.Handle(Command(threadId: "thread-x"), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("THREAD_NOT_FOUND"));
        Assert.That(result.Error.Message, Does.Contain("thread-x"));
        await tx.DidNotReceiveWithAnyArgs().CommitAsync(default!, default);
        await tx.Received(1).DisposeAsync();
    }

    [Test]
    public async Task Handle_WhenRefused_MapsTheOutcomeAndCommitsNothing()
    {
        var tx = Opens(Owned(messageCount: 7));

        var result = await Handler.Handle(Command(), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("MESSAGE_LIMIT"));
        await tx.DidNotReceiveWithAnyArgs().CommitAsync(default!, default);
        await tx.Received(1).DisposeAsync();
    }

    [Test]
    public async Task Handle_WhenBusy_AsksTheHostToWaitForTheEndingRun_ThenAsksAgain()
    {
        Opens(Owned(busy: true));
        _host.WaitForEndingRunAsync(_session.Id, Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>()).Returns(true);

        var result = await Handler.Handle(Command(), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("RUN_IN_PROGRESS"));
        await _store.Received(2).OpenAsync(Arg.Any<OpenTurn>(), Arg.Any<CancellationToken>());
    }

    [Test]
    public async Task Handle_WhenStarted_CommitsTheUserMessageWithTheTitleAndStartsTheRunItAnswers()
    {
        ChatMessage[] history = [ChatMessage.FromUser(_session.Id, "earlier", DateTime.UtcNow.AddMinutes(1))];
        CommitTurn? committed = null;
        var tx = Opens(Owned(), history, c =>
        {
            committed = c;
            return Task.FromResult(_session with { Title = "Hi there", MessageCount = 1 });
        });

        var result = await Handler.Handle(Command(), CancellationToken.None);

        Assert.That(result.IsSuccess, Is.True);
        await tx.Received(1).ReadHistoryAsync(5, Arg.Any<CancellationToken>());
        Assert.That(committed!.UserMessage!.Text, Is.EqualTo("Hi there"));
        Assert.That(committed.UserMessage.SessionId, Is.EqualTo(_session.Id));
        Assert.That(committed.UserMessage.CreatedAt, Is.GreaterThan(history[0].CreatedAt), "stored after the history it was admitted after");
        Assert.That(committed.NewTitle, Is.EqualTo("Hi there"));
        Assert.That(committed.ClaimId, Is.EqualTo(result.Value));
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
        Opens(Owned(), commit: _ =>
        {
            Assert.That(model.Started, Is.True, "the upstream request is under way before the commit");
            return Task.FromException<ChatSession>(new TimeoutException("commit failed"));
        });

        await Assert.ThrowsAsync<TimeoutException>(async () => await HandlerWith(model, new LimitsOptions()).Handle(Command(), CancellationToken.None));

        Assert.That(await model.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5)), Is.True, "and cancelled when the commit fails");
        Assert.That(_started, Is.Null);
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
