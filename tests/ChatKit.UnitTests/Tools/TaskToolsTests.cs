using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Application.Tasks;
using ChatKit.Application.Tools;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace ChatKit.UnitTests.Tools;

public sealed class TaskToolsTests
{
    private readonly ITaskStore _store = Substitute.For<ITaskStore>();
    private readonly Toolbox _toolbox;
    private readonly List<TaskItem> _stored = [];
    private readonly TaskItem _task = new(Guid.CreateVersion7(), "alice", "Buy milk", string.Empty, false, TaskPriority.Medium, ["home"], DateTime.UtcNow, DateTime.UtcNow);

    public TaskToolsTests()
    {
        var service = new TaskService(_store, TimeProvider.System, ChatKit.UnitTests.Application.TestPlans.Catalog(tasks: new TaskOptions { MaxTasksPerUser = 3 }));
        var sender = TaskCommandSender.For(service);
        IAgentTool[] tools =
        [
            new AddTaskTool(sender), new ListTasksTool(service), new CompleteTaskTool(sender), new UpdateTaskTool(sender),
            new DeleteTaskTool(sender), new SearchTasksTool(service), new UpdatePriorityTool(sender), new AddTagsTool(sender),
            new RemoveTagsTool(sender), new ListTagsTool(service),
        ];
        _toolbox = new Toolbox(tools, NullLogger<Toolbox>.Instance);
        _store.GetAsync(_task.Id, "alice", Arg.Any<CancellationToken>()).Returns(_task);
        _store.UpdateAsync(_task.Id, "alice", Arg.Any<Func<TaskItem, Result<TaskItem>>>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var changed = call.Arg<Func<TaskItem, Result<TaskItem>>>()(_task);
            if (changed.IsSuccess)
            {
                _stored.Add(changed.Value);
            }

            return Task.FromResult<Result<TaskItem>?>(changed);
        });
        _store.TryAddAsync(default!, default, default).ReturnsForAnyArgs(true);
        _store.DeleteAsync(_task.Id, "alice", Arg.Any<CancellationToken>()).Returns(true);
        _store.ListAsync(default!, default!, default).ReturnsForAnyArgs(new TaskPage([_task], 1, null));
    }

    private async Task<JsonObject> CallAsync(string name, string args)
    {
        var outcome = await _toolbox.InvokeAsync("alice", new ToolCall("c", "function", new ToolCallFunction(name, args)), CancellationToken.None);
        return JsonNode.Parse(Toolbox.Serialize(outcome))!.AsObject();
    }

    [Test]
    public void Definitions_AreTheTenOfTheContractEachWithAnObjectSchema()
    {
        Assert.That(_toolbox.Definitions.Select(d => d.Name), Is.EqualTo(new[]
        {
            "add_tags", "add_task", "complete_task", "delete_task", "list_tags", "list_tasks", "remove_tags", "search_tasks", "update_priority", "update_task",
        }));
        Assert.That(_toolbox.Definitions.Select(d => d.Parameters.GetProperty("type").GetString()), Is.All.EqualTo("object"));
    }

    [Test]
    public async Task AddTask_StoresForTheCallerAndAnswersIdAndTitle()
    {
        var result = await CallAsync("add_task", """{"title":" Milk ","priority":"high","tags":["a","A"]}""");

        Assert.That(result["success"]!.GetValue<bool>(), Is.True);
        Assert.That(result["title"]!.GetValue<string>(), Is.EqualTo("Milk"));
        Assert.That(result.Select(p => p.Key), Is.EqualTo(new[] { "success", "task_id", "title" }));
        await _store.Received(1).TryAddAsync(
            Arg.Is<TaskItem>(t => t.UserId == "alice" && t.Priority == TaskPriority.High && t.Tags.SequenceEqual(new[] { "a" })), 3, Arg.Any<CancellationToken>());
    }

    [Test]
    public async Task AddTask_WhenTheUserIsAtTheCap_IsAFailedResult()
    {
        _store.TryAddAsync(default!, default, default).ReturnsForAnyArgs(false);

        var result = await CallAsync("add_task", """{"title":"One more"}""");

        Assert.That(result["success"]!.GetValue<bool>(), Is.False);
        Assert.That(result["error"]!.GetValue<string>(), Does.Contain("Maximum 3 tasks"));
    }

    [TestCase(null, true)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    public async Task CompleteTask_SetsCompletedAsAsked(bool? completed, bool expected)
    {
        var args = completed is null ? $$"""{"task_id":"{{_task.Id}}"}""" : $$"""{"task_id":"{{_task.Id}}","completed":{{completed.Value.ToString().ToLowerInvariant()}}}""";

        var result = await CallAsync("complete_task", args);

        Assert.That(result["completed"]!.GetValue<bool>(), Is.EqualTo(expected));
        Assert.That(_stored.Single().Completed, Is.EqualTo(expected));
    }

    [Test]
    public async Task UpdateTask_ChangesTitleAndPriority()
    {
        var result = await CallAsync("update_task", $$"""{"task_id":"{{_task.Id}}","title":"Oat milk","priority":"low"}""");

        Assert.That(result["title"]!.GetValue<string>(), Is.EqualTo("Oat milk"));
        Assert.That(_stored.Single(), Has.Property(nameof(TaskItem.Title)).EqualTo("Oat milk").And.Property(nameof(TaskItem.Priority)).EqualTo(TaskPriority.Low));
    }

    [Test]
    public async Task DeleteTask_AnswersTheId() =>
        Assert.That((await CallAsync("delete_task", $$"""{"task_id":"{{_task.Id}}"}"""))["task_id"]!.GetValue<string>(), Is.EqualTo(_task.Id.ToString()));

    [Test]
    public async Task ListTasks_AnswersCountAndTheShortShape()
    {
        var result = await CallAsync("list_tasks", """{"status":"pending"}""");

        Assert.That(result["count"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(result["tasks"]![0]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "id", "title", "completed", "priority", "tags" }));
        await _store.Received(1).ListAsync("alice", Arg.Is<TaskQuery>(q => q.Status == TaskStatusFilter.Pending), Arg.Any<CancellationToken>());
    }

    [Test]
    public async Task SearchTasks_PassesEveryFilterAndTheSort()
    {
        await CallAsync("search_tasks", """{"keyword":"milk","status":"completed","priority":"HIGH","tag":"home","sort_by":"title","sort_order":"desc"}""");

        await _store.Received(1).ListAsync("alice", Arg.Is<TaskQuery>(q =>
            q.Keyword == "milk" && q.Status == TaskStatusFilter.Completed && q.Priority == TaskPriority.High && q.Tag == "home"
            && q.SortBy == TaskSort.Title && q.Descending), Arg.Any<CancellationToken>());
    }

    [TestCase("""{"sort_by":"color"}""", "sort_by")]
    [TestCase("""{"status":"done"}""", "status")]
    [TestCase("""{"sort_order":"up"}""", "sort_order")]
    public async Task SearchTasks_WithBadArguments_IsAFailedResult(string args, string named) =>
        Assert.That((await CallAsync("search_tasks", args))["error"]!.GetValue<string>(), Does.StartWith(named));

    [Test]
    public async Task UpdatePriority_RequiresBothArguments()
    {
        Assert.That((await CallAsync("update_priority", $$"""{"task_id":"{{_task.Id}}"}"""))["error"]!.GetValue<string>(), Is.EqualTo("priority is required"));
        Assert.That((await CallAsync("update_priority", $$"""{"task_id":"{{_task.Id}}","priority":"high"}"""))["priority"]!.GetValue<string>(), Is.EqualTo("high"));
    }

    [Test]
    public async Task AddAndRemoveTags_EditTheTagsCaseInsensitively()
    {
        var added = await CallAsync("add_tags", $$"""{"task_id":"{{_task.Id}}","tags":["HOME","urgent"]}""");
        Assert.That(added["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "home", "urgent" }));

        var removed = await CallAsync("remove_tags", $$"""{"task_id":"{{_task.Id}}","tags":["Home"]}""");
        Assert.That(removed["tags"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task ListTags_AnswersEachTagWithItsCount()
    {
        _store.ListTagsAsync("alice", Arg.Any<CancellationToken>()).Returns([new TagCount("home", 2)]);

        var result = await CallAsync("list_tags", "{}");

        Assert.That(result["tags"]![0]!["tag"]!.GetValue<string>(), Is.EqualTo("home"));
        Assert.That(result["tags"]![0]!["count"]!.GetValue<int>(), Is.EqualTo(2));
    }

    [TestCase("complete_task", """{"task_id":"nope"}""", "Task nope not found")]
    [TestCase("add_task", "[1]", "arguments must be a JSON object")]
    [TestCase("add_task", """{"title":5}""", "title must be a string")]
    [TestCase("add_tags", """{"task_id":"x","tags":"a"}""", "tags must be a list of strings")]
    [TestCase("what", "{}", "unknown tool: what")]
    public async Task AnyFailure_IsAResultWithAPlainReason(string name, string args, string reason)
    {
        var result = await CallAsync(name, args);

        Assert.That(result["success"]!.GetValue<bool>(), Is.False);
        Assert.That(result["error"]!.GetValue<string>(), Is.EqualTo(reason));
    }

    [Test]
    public async Task AToolDuringADatabaseOutage_IsAFailedResult_LoggedAsOneWarningWithoutAStack()
    {
        var logger = new ListLogger();
        var toolbox = new Toolbox([new ListTagsTool(new TaskService(_store, TimeProvider.System, ChatKit.UnitTests.Application.TestPlans.Catalog()))], logger);
        _store.ListTagsAsync(default!, default).ReturnsForAnyArgs<IReadOnlyList<TagCount>>(_ => throw new UnreachableDatabase());

        var outcome = await toolbox.InvokeAsync("alice", new ToolCall("c", "function", new ToolCallFunction("list_tags", "{}")), CancellationToken.None);

        Assert.That(outcome.Success, Is.False);
        Assert.That(logger.Entries.Select(e => (e.Level, e.Exception)), Is.EqualTo(new[] { (Microsoft.Extensions.Logging.LogLevel.Warning, (Exception?)null) }));
    }

    private sealed class UnreachableDatabase : System.Data.Common.DbException
    {
        public override bool IsTransient => true;
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger<Toolbox>
    {
        public List<(Microsoft.Extensions.Logging.LogLevel Level, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(
            Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, exception));
    }

    [Test]
    public async Task AToolThatThrows_IsAFailedResultNotAnException()
    {
        _store.ListTagsAsync(default!, default).ReturnsForAnyArgs<IReadOnlyList<TagCount>>(_ => throw new TimeoutException("db"));

        var result = await CallAsync("list_tags", "{}");

        Assert.That(result["error"]!.GetValue<string>(), Does.Contain("failed unexpectedly"));
    }

    [Test]
    public async Task ATaskOfAnotherUser_IsNotFound()
    {
        var result = await _toolbox.InvokeAsync("mallory", new ToolCall("c", "function", new ToolCallFunction("delete_task", $$"""{"task_id":"{{_task.Id}}"}""")), CancellationToken.None);

        Assert.That(result.Success, Is.False);
        await _store.Received(1).DeleteAsync(_task.Id, "mallory", Arg.Any<CancellationToken>());
    }
}
