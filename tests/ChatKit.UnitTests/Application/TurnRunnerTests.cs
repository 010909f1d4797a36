using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Engine;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Tasks;
using ChatKit.Application.Tools;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace ChatKit.UnitTests.Application;

public sealed class TurnRunnerTests
{
    private readonly ITurnStore _turns = Substitute.For<ITurnStore>();
    private readonly ITaskStore _tasks = Substitute.For<ITaskStore>();
    private readonly RecordingWriter _writer = new();
    private readonly StartedRun _run;

    public TurnRunnerTests()
    {
        var session = new ChatSession(Guid.CreateVersion7(), "alice", "Hi", DateTime.UtcNow, DateTime.UtcNow, 1);
        _run = new StartedRun(session, ChatMessage.FromUser(session.Id, "Hi", DateTime.UtcNow), Guid.NewGuid(), TitleChanged: false, History: []);
        _tasks.TryAddAsync(default!, default, default).ReturnsForAnyArgs(true);
    }

    internal static TurnRunner Runner(IChatModel model, ITurnStore turns, ITurnWriter writer, ITaskStore tasks, int maxSteps = 5)
    {
        var service = new TaskService(tasks, TimeProvider.System, TestPlans.Catalog());
        IAgentTool[] tools = [new AddTaskTool(Tools.TaskCommandSender.For(service)), new ListTasksTool(service)];
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var toolbox = new Toolbox(tools, NullLogger<Toolbox>.Instance);
        return new TurnRunner(
            model, toolbox, new AgentTools(toolbox, Options.Create(new ClientToolOptions())), turns, writer,
            new PromptBuilder(Options.Create(new PromptOptions()), TestAttachments.Options), TestAttachments.Reader(), TimeProvider.System,
            Options.Create(new RunOptions { MaxSteps = maxSteps, SaveWait = TimeSpan.FromSeconds(2) }),
            TestPlans.Catalog(),
            new RunMetrics(provider.GetRequiredService<IMeterFactory>()), NullLogger<TurnRunner>.Instance);
    }

    internal static RunMetrics Metrics()
    {
        var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        return new RunMetrics(provider.GetRequiredService<IMeterFactory>());
    }

    private TurnRunner Runner(IChatModel model, int maxSteps = 5) => Runner(model, _turns, _writer, _tasks, maxSteps);

    private Task<List<RunEvent>> Events(IChatModel model, int maxSteps = 5) =>
        ThreadStreamMapper.MapAsync(Runner(model, maxSteps).RunAsync(_run, CancellationToken.None), TestAttachments.Links).ToListAsync().AsTask();

    [Test]
    public async Task RunAsync_WhenModelFailsMidway_EndsWithErrorEventAndStoresPartialAsIncomplete()
    {
        var events = await Events(new ScriptedModel(Step.Text(["Hel", "lo"]) with { Failure = new ChatModelException("The model service answered with status 502.") }));

        Assert.That(events[^1], Is.EqualTo(new StreamErrorEvent("The model service answered with status 502.")));
        var write = _writer.Writes.Single();
        Assert.That(write.ReleaseClaimId, Is.EqualTo(_run.ClaimId));
        Assert.That(write.Messages.Single().Text, Is.EqualTo("Hello"));
        Assert.That(write.Messages.Single().Status, Is.EqualTo(MessageStatus.Incomplete));
    }

    [Test]
    public async Task RunAsync_WhenCompleted_StoresReplyBeforeItsDoneEventAndReleasesTheClaim()
    {
        var storedBeforeDone = false;
        await foreach (var e in ThreadStreamMapper.MapAsync(Runner(new ScriptedModel(Step.Text(["a", "b"]))).RunAsync(_run, CancellationToken.None), TestAttachments.Links))
        {
            if (e is ItemDoneEvent { Item: AssistantMessageItem })
            {
                storedBeforeDone = _writer.Writes.Count == 1;
            }
        }

        Assert.That(storedBeforeDone, Is.True);
        var reply = _writer.Writes.Single().Messages.Single();
        Assert.That((reply.Text, reply.Status), Is.EqualTo(("ab", MessageStatus.Completed)));
        Assert.That(_writer.Writes.Single().ReleaseClaimId, Is.EqualTo(_run.ClaimId));
    }

    [Test]
    public async Task RunAsync_WhenTheConsumerStopsEarly_StillStoresThePartialReplyAndReleasesTheClaim()
    {
        var enumerator = Runner(new ScriptedModel(Step.Text(["one", "two", "three"]))).RunAsync(_run, CancellationToken.None).GetAsyncEnumerator();
        await enumerator.MoveNextAsync(); // started
        await enumerator.MoveNextAsync(); // first delta
        await enumerator.DisposeAsync();

        var write = _writer.Writes.Single();
        Assert.That((write.Messages.Single().Text, write.Messages.Single().Status), Is.EqualTo(("one", MessageStatus.Incomplete)));
        Assert.That(write.ReleaseClaimId, Is.EqualTo(_run.ClaimId));
    }

    [Test]
    public async Task RunAsync_WhenTheConsumerFailsOnTheFirstEvent_StillEndsTheTurnAndReleasesTheClaim()
    {
        // What RunHost does when serialising the first event throws: the enumerator is disposed right after "started".
        var enumerator = Runner(new ScriptedModel(Step.Text(["one"]))).RunAsync(_run, CancellationToken.None).GetAsyncEnumerator();
        await enumerator.MoveNextAsync();
        await enumerator.DisposeAsync();

        var write = _writer.Writes.Single();
        Assert.That(write.ReleaseClaimId, Is.EqualTo(_run.ClaimId), "the session is free again, not held until the claim lapses");
        Assert.That(write.Messages.Single().Status, Is.EqualTo(MessageStatus.Incomplete));
    }

    [Test]
    public async Task RunAsync_WhenStoringFails_SendsErrorAndReleasesTheClaim()
    {
        _writer.Failure = new InvalidOperationException("refused");

        var events = await Events(new ScriptedModel(Step.Text(["x"])));

        Assert.That(events[^1], Is.EqualTo(new StreamErrorEvent(TurnRunner.SaveFailure)));
        await _turns.Received(1).ReleaseRunClaimAsync(_run.Session.Id, _run.ClaimId, CancellationToken.None);
    }

    [Test]
    public async Task RunAsync_WithAToolCall_RunsItStoresTheStepWithItsResultAndSendsTheResultBack()
    {
        var model = new ScriptedModel(
            Step.Calls(("call_1", "add_task", """{"title":"Buy milk"}""")),
            Step.Text(["Added it."]));

        var events = await Events(model);

        await _tasks.Received(1).TryAddAsync(Arg.Is<TaskItem>(t => t.Title == "Buy milk" && t.UserId == "alice"), 500, Arg.Any<CancellationToken>());
        // A step that changes tasks is stored before its calls run (tools act once), then its results, then the reply.
        Assert.That(_writer.Writes, Has.Count.EqualTo(3));
        Assert.That(_writer.Writes.Take(2).Select(w => w.ReleaseClaimId), Is.All.Null, "the claim is released by the last write only");
        var step = _writer.Writes[0].Messages.Single();
        Assert.That(step.ToolCalls!.Single().Id, Is.EqualTo("call_1"));
        var result = _writer.Writes[1].Messages.Single();
        Assert.That(result.Role, Is.EqualTo(MessageRole.Tool));
        Assert.That(result.ToolCallId, Is.EqualTo("call_1"));
        Assert.That(result.Text, Does.StartWith("""{"success":true,"task_id":"""));
        Assert.That(result.CreatedAt, Is.GreaterThan(step.CreatedAt));

        var second = model.Prompts[1];
        Assert.That(second.Messages[^2].ToolCalls!.Single().Id, Is.EqualTo("call_1"));
        Assert.That(second.Messages[^1].ToolCallId, Is.EqualTo("call_1"));
        Assert.That(events.OfType<ItemAddedEvent>().Select(e => e.Item.GetType().Name), Is.EqualTo(new[] { "WorkflowItem", "AssistantMessageItem" }));
    }

    [Test]
    public async Task RunAsync_WhenAToolFails_SendsTheErrorToTheModelAndTheTurnCompletes()
    {
        var model = new ScriptedModel(Step.Calls(("c1", "no_such_tool", "{}"), ("c2", "add_task", "{not json")), Step.Text(["Sorry."]));

        var events = await Events(model);

        Assert.That(events.OfType<StreamErrorEvent>(), Is.Empty);
        var results = _writer.Writes.SelectMany(w => w.Messages).Where(m => m.Role == MessageRole.Tool).Select(m => m.Text).ToList();
        Assert.That(results, Is.EqualTo(new[]
        {
            """{"success":false,"error":"unknown tool: no_such_tool"}""",
            """{"success":false,"error":"arguments are not valid JSON"}""",
        }));
        Assert.That(_writer.Writes[^1].Messages.Single().Status, Is.EqualTo(MessageStatus.Completed));
    }

    [Test]
    public async Task RunAsync_OnTheLastAllowedStep_OffersNoTools()
    {
        var model = new ScriptedModel(Step.Calls(("c1", "list_tasks", "{}")), Step.Calls(("c2", "list_tasks", "{}")), Step.Text(["Done"]));
        _tasks.ListAsync(default!, default!, default).ReturnsForAnyArgs(new TaskPage([], 0, null));

        await Events(model, maxSteps: 3);

        Assert.That(model.Prompts.Select(p => p.Tools.Count > 0), Is.EqualTo(new[] { true, true, false }));
    }

    [Test]
    public async Task RunAsync_WhenTheModelStopsAtItsLengthLimit_StoresIncompleteAndSaysWhy()
    {
        var events = await Events(new ScriptedModel(Step.Text(["long"]) with { Finish = ModelFinish.Length }));

        Assert.That(_writer.Writes.Single().Messages.Single().Status, Is.EqualTo(MessageStatus.Incomplete));
        Assert.That(events.OfType<NoticeEvent>().Single().Level, Is.EqualTo("warning"));
    }

    [Test]
    public async Task RunAsync_WhenTheModelSendsUnstorableText_StoresItRepaired()
    {
        await Events(new ScriptedModel(Step.Text(["a\0b"])));

        Assert.That(_writer.Writes.Single().Messages.Single().Text, Is.EqualTo("a\uFFFDb"));
    }

    internal sealed record Step(string[] Chunks, (string Id, string Name, string Args)[] ToolCalls)
    {
        public Exception? Failure { get; init; }

        public ModelFinish Finish { get; init; } = ModelFinish.Stop;

        public static Step Text(string[] chunks) => new(chunks, []);

        public static Step Calls(params (string Id, string Name, string Args)[] calls) => new([], calls) { Finish = ModelFinish.ToolCalls };
    }

    internal sealed class ScriptedModel(params Step[] steps) : IChatModel
    {
        public List<ChatPrompt> Prompts { get; } = [];

        public string Name => "scripted";

        public async IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatPrompt prompt, [EnumeratorCancellation] CancellationToken ct)
        {
            Prompts.Add(prompt);
            var step = steps[Prompts.Count - 1];
            foreach (var chunk in step.Chunks)
            {
                await Task.Yield();
                yield return new ChatModelUpdate(chunk);
            }

            if (step.Failure is not null)
            {
                throw step.Failure;
            }

            foreach (var (id, name, args) in step.ToolCalls)
            {
                yield return new ChatModelUpdate(null, ToolCall: new ToolCall(id, "function", new ToolCallFunction(name, args)));
            }

            yield return new ChatModelUpdate(null, new TokenUsage(1, 1, 2), Finish: step.Finish);
        }
    }

    internal sealed class RecordingWriter : ITurnWriter
    {
        public List<TurnWrite> Writes { get; } = [];

        public Exception? Failure { get; set; }

        public Task WriteAsync(TurnWrite write)
        {
            Writes.Add(write);
            return Failure is null ? Task.CompletedTask : Task.FromException(Failure);
        }
    }
}
