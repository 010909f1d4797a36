using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Tasks;

public sealed class TasksApiTests
{
    private const string Tasks = "/api/v1/tasks";

    private static ChatKitFactory App => AssemblySetup.App;

    private static async Task<JsonNode> CreateAsync(HttpClient client, string json)
    {
        using var response = await client.PostJsonAsync(Tasks, json);
        var body = await response.JsonAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        return body["data"]!;
    }

    [Test]
    public async Task Create_AppliesTheRulesAndAnswersTheTask()
    {
        using var client = App.ClientFor();

        var task = await CreateAsync(client, """{"title":"  Water plants  ","description":" weekly ","priority":"HIGH","tags":[" Home ","home","garden"]}""");

        Assert.That(task["title"]!.GetValue<string>(), Is.EqualTo("Water plants"));
        Assert.That(task["description"]!.GetValue<string>(), Is.EqualTo("weekly"));
        Assert.That(task["priority"]!.GetValue<string>(), Is.EqualTo("high"));
        Assert.That(task["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "Home", "garden" }));
        Assert.That(task["completed"]!.GetValue<bool>(), Is.False);
        Assert.That(task["created_at"]!.GetValue<string>(), Is.EqualTo(task["updated_at"]!.GetValue<string>()));
        Assert.That(task.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { "id", "title", "description", "completed", "priority", "tags", "created_at", "updated_at" }));
    }

    [Test]
    public async Task Create_WithDefaults_IsMediumPriorityNoTagsEmptyDescription()
    {
        using var client = App.ClientFor();

        var task = await CreateAsync(client, """{"title":"Plain"}""");

        Assert.That(task["priority"]!.GetValue<string>(), Is.EqualTo("medium"));
        Assert.That(task["tags"]!.AsArray(), Is.Empty);
        Assert.That(task["description"]!.GetValue<string>(), Is.Empty);
    }

    [TestCase("""{"title":""}""", "title")]
    [TestCase("""{"title":"a\u0000b"}""", "title")]
    [TestCase("""{"title":"ok","description":"x\u0000"}""", "description")]
    [TestCase("""{"title":"ok","tags":["a\u0000"]}""", "tags")]
    [TestCase("""{"title":"ok","priority":"urgent"}""", "priority")]
    [TestCase("""{"title":"ok","tags":["a","b","c","d","e","f","g","h","i","j","k"]}""", "tags")]
    public async Task Create_WhenAFieldBreaksARule_Answers400NamingTheField(string json, string field)
    {
        using var client = App.ClientFor();

        using var response = await client.PostJsonAsync(Tasks, json);

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error["details"]![0]!["field"]!.GetValue<string>(), Is.EqualTo(field));
    }

    [Test]
    public async Task Patch_ChangesOnlyWhatIsGivenAndMovesUpdatedAt()
    {
        using var client = App.ClientFor();
        var task = await CreateAsync(client, """{"title":"Draft","tags":["x"]}""");
        var id = task["id"]!.GetValue<string>();

        using var response = await client.PatchAsync($"{Tasks}/{id}", JsonContent("""{"completed":true,"priority":"low"}"""));

        var patched = (await response.JsonAsync())["data"]!;
        Assert.That(patched["completed"]!.GetValue<bool>(), Is.True);
        Assert.That(patched["priority"]!.GetValue<string>(), Is.EqualTo("low"));
        Assert.That(patched["title"]!.GetValue<string>(), Is.EqualTo("Draft"));
        Assert.That(patched["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "x" }));
        Assert.That(DateTime.Parse(patched["updated_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
            Is.GreaterThan(DateTime.Parse(task["updated_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)));
        var read = (await (await client.GetAsync($"{Tasks}/{id}")).JsonAsync())["data"]!;
        Assert.That(read.ToJsonString(), Is.EqualTo(patched.ToJsonString()));
    }

    [Test]
    public async Task TasksOfAnotherUser_AreA404AsAreUnknownAndMalformedIds()
    {
        using var owner = App.ClientFor();
        using var stranger = App.ClientFor();
        var id = (await CreateAsync(owner, """{"title":"Mine"}"""))["id"]!.GetValue<string>();

        foreach (var path in new[] { $"{Tasks}/{id}", $"{Tasks}/{Guid.NewGuid()}", $"{Tasks}/not-a-uuid" })
        {
            var taskId = path[(Tasks.Length + 1)..];
            (await (await stranger.GetAsync(path)).AssertErrorAsync(HttpStatusCode.NotFound, "TASK_NOT_FOUND"))["message"]!
                .GetValue<string>().Equals($"Task {taskId} not found", StringComparison.Ordinal);
            await (await stranger.PatchAsync(path, JsonContent("""{"title":"Theirs"}"""))).AssertErrorAsync(HttpStatusCode.NotFound, "TASK_NOT_FOUND");
            await (await stranger.DeleteAsync(path)).AssertErrorAsync(HttpStatusCode.NotFound, "TASK_NOT_FOUND");
        }

        var still = (await (await owner.GetAsync($"{Tasks}/{id}")).JsonAsync())["data"]!;
        Assert.That(still["title"]!.GetValue<string>(), Is.EqualTo("Mine"));
        Assert.That((await (await stranger.GetAsync(Tasks)).JsonAsync())["data"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task Delete_RemovesTheTaskAndSaysSo()
    {
        using var client = App.ClientFor();
        var id = (await CreateAsync(client, """{"title":"Bin me"}"""))["id"]!.GetValue<string>();

        var deleted = (await (await client.DeleteAsync($"{Tasks}/{id}")).JsonAsync())["data"]!;

        Assert.That(deleted["deleted"]!.GetValue<bool>(), Is.True);
        Assert.That(deleted["task_id"]!.GetValue<string>(), Is.EqualTo(id));
        await (await client.GetAsync($"{Tasks}/{id}")).AssertErrorAsync(HttpStatusCode.NotFound, "TASK_NOT_FOUND");
    }

    [Test]
    public async Task List_FiltersByStatusTextTagAndPriorityNewestFirstAndPagesByCursor()
    {
        using var client = App.ClientFor();
        await CreateAsync(client, """{"title":"Buy milk","tags":["shop"],"priority":"high"}""");
        var bread = await CreateAsync(client, """{"title":"Buy bread","description":"wholemeal","tags":["Shop"]}""");
        await CreateAsync(client, """{"title":"Call mum"}""");
        await client.PatchAsync($"{Tasks}/{bread["id"]}", JsonContent("""{"completed":true}"""));

        async Task<List<string>> Titles(string query) =>
            (await (await client.GetAsync(Tasks + query)).JsonAsync())["data"]!.AsArray().Select(t => t!["title"]!.GetValue<string>()).ToList();

        Assert.That(await Titles(""), Is.EqualTo(new[] { "Call mum", "Buy bread", "Buy milk" }));
        Assert.That(await Titles("?status=pending"), Is.EqualTo(new[] { "Call mum", "Buy milk" }));
        Assert.That(await Titles("?status=completed"), Is.EqualTo(new[] { "Buy bread" }));
        Assert.That(await Titles("?q=BUY"), Is.EqualTo(new[] { "Buy bread", "Buy milk" }));
        Assert.That(await Titles("?q=wholemeal"), Is.EqualTo(new[] { "Buy bread" }));
        Assert.That(await Titles("?tag=SHOP"), Is.EqualTo(new[] { "Buy bread", "Buy milk" }));
        Assert.That(await Titles("?priority=high"), Is.EqualTo(new[] { "Buy milk" }));
        Assert.That(await Titles("?q=%25"), Is.Empty, "a % is a character, not a wildcard");

        var first = await (await client.GetAsync(Tasks + "?limit=2")).JsonAsync();
        Assert.That(first["meta"]!["total"]!.GetValue<int>(), Is.EqualTo(3));
        var cursor = first["meta"]!["next_cursor"]!.GetValue<string>();
        var second = await (await client.GetAsync($"{Tasks}?limit=2&after={cursor}")).JsonAsync();
        Assert.That(second["data"]!.AsArray().Select(t => t!["title"]!.GetValue<string>()), Is.EqualTo(new[] { "Buy milk" }));
        Assert.That(second["meta"]!["next_cursor"], Is.Null);

        await (await client.GetAsync(Tasks + "?status=done")).AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Test]
    public async Task Create_WhenTheUserHoldsMaxTasks_Answers429EvenUnderConcurrentCreates()
    {
        await using var app = ChatKitFactory.Create(AssemblySetup.Upstream, ("MAX_TASKS_PER_USER", "5"));
        using var client = app.ClientFor();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.PostJsonAsync(Tasks, $$"""{"title":"t{{i}}"}""")));

        Assert.That(answers.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(5));
        var refused = answers.First(r => r.StatusCode != HttpStatusCode.OK);
        var error = await refused.AssertErrorAsync(HttpStatusCode.TooManyRequests, "TASK_LIMIT");
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain("5"));
    }

    [Test]
    public async Task Tasks_WithoutAToken_Are401()
    {
        using var anonymous = App.CreateClient();

        await (await anonymous.GetAsync(Tasks)).AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        await (await anonymous.PostJsonAsync(Tasks, """{"title":"x"}""")).AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
