using System.Runtime.CompilerServices;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Runs.StreamRun;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace ChatKit.UnitTests.Application;

public sealed class StreamRunHandlerTests
{
    private readonly ISessionStore _store = Substitute.For<ISessionStore>();
    private readonly StartedRun _run;

    public StreamRunHandlerTests()
    {
        var session = new ChatSession(Guid.CreateVersion7(), "alice", "Hi", DateTime.UtcNow, DateTime.UtcNow, 1);
        _run = new StartedRun(session, ChatMessage.FromUser(session.Id, "Hi", DateTime.UtcNow), Guid.NewGuid(), TitleChanged: false, History: []);
    }

    private StreamRunHandler Handler(IChatModel model) => new(
        _store, model, new PromptBuilder(Options.Create(new PromptOptions())), TimeProvider.System,
        Options.Create(new RunOptions()), NullLogger<StreamRunHandler>.Instance);

    [Test]
    public async Task Handle_WhenModelFailsMidway_EndsWithErrorEventAndStoresPartialAsIncomplete()
    {
        var events = await Handler(new ScriptedModel(["Hel", "lo"], new ChatModelException("The model service answered with status 502.")))
            .Handle(new StreamRunRequest(_run), CancellationToken.None).ToListAsync();

        Assert.That(events[^1], Is.EqualTo(new StreamErrorEvent("The model service answered with status 502.")));
        await _store.Received(1).CompleteTurnAsync(
            _run.Session.Id, _run.ClaimId,
            Arg.Is<ChatMessage>(m => m.Text == "Hello" && m.Status == MessageStatus.Incomplete && m.Role == MessageRole.Assistant),
            CancellationToken.None);
    }

    [Test]
    public async Task Handle_WhenCompleted_StoresReplyBeforeItsDoneEventAndReleasesTheClaim()
    {
        var stored = false;
        _store.CompleteTurnAsync(default, default, default!, default).ReturnsForAnyArgs(_ =>
        {
            stored = true;
            return Task.CompletedTask;
        });
        var storedBeforeDone = false;

        await foreach (var e in Handler(new ScriptedModel(["a", "b"], null)).Handle(new StreamRunRequest(_run), CancellationToken.None))
        {
            if (e is ItemDoneEvent { Item: AssistantMessageItem })
            {
                storedBeforeDone = stored;
            }
        }

        Assert.That(storedBeforeDone, Is.True);
        await _store.Received(1).CompleteTurnAsync(
            _run.Session.Id, _run.ClaimId, Arg.Is<ChatMessage>(m => m.Text == "ab" && m.Status == MessageStatus.Completed),
            CancellationToken.None);
    }

    [Test]
    public async Task Handle_WhenTheConsumerStopsEarly_StillStoresThePartialReply()
    {
        var enumerator = Handler(new ScriptedModel(["one", "two", "three"], null))
            .Handle(new StreamRunRequest(_run), CancellationToken.None).GetAsyncEnumerator();
        for (var i = 0; i < 5; i++)
        {
            await enumerator.MoveNextAsync(); // user done, options, added, part added, first delta
        }

        await enumerator.DisposeAsync();

        await _store.Received(1).CompleteTurnAsync(
            _run.Session.Id, _run.ClaimId, Arg.Is<ChatMessage>(m => m.Text == "one" && m.Status == MessageStatus.Incomplete),
            CancellationToken.None);
    }

    [Test]
    public async Task Handle_WhenStoringFails_SendsErrorAndReleasesTheClaim()
    {
        _store.CompleteTurnAsync(default, default, default!, default).ReturnsForAnyArgs(Task.FromException(new TimeoutException("db")));

        var events = await Handler(new ScriptedModel(["x"], null)).Handle(new StreamRunRequest(_run), CancellationToken.None).ToListAsync();

        Assert.That(events[^1], Is.EqualTo(new StreamErrorEvent(StreamRunHandler.SaveFailure)));
        await _store.Received(1).ReleaseRunClaimAsync(_run.Session.Id, _run.ClaimId, CancellationToken.None);
    }

    private sealed class ScriptedModel(string[] chunks, Exception? failAtEnd) : IChatModel
    {
        public string Name => "scripted";

        public async IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatPrompt prompt, [EnumeratorCancellation] CancellationToken ct)
        {
            foreach (var chunk in chunks)
            {
                await Task.Yield();
                yield return new ChatModelUpdate(chunk);
            }

            if (failAtEnd is not null)
            {
                throw failAtEnd;
            }
        }
    }
}
