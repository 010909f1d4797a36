using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatKit.Api.Auth;
using ChatKit.Api.Options;
using ChatKit.IntegrationTests.Edge;
using ChatKit.IntegrationTests.Infrastructure;
using ChatKit.Testing;

namespace ChatKit.IntegrationTests.Auth;

/// <summary>Plans from <c>PLANS_FILE</c>: each user stopped at their own plan's limits, where the limits always were.</summary>
public sealed class PlanTests
{
    private const string Plans = """
        plans:
          default:
            max_sessions: 2
          free:
            requests_per_minute: 8
            max_sessions: 1
            models: [fake/mini]
          pro:
            requests_per_minute: 16
            max_sessions: 3
            max_tasks: 2
        """;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private string _file = null!;

    [SetUp]
    public async Task WriteThePlans()
    {
        _file = Path.Combine(Path.GetTempPath(), $"chatkit-plans-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(_file, Plans);
    }

    [TearDown]
    public void RemoveThePlans() => File.Delete(_file);

    private static HttpClient ClientOn(ChatKitFactory app, string user, string? plan)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", JwtSetup.CreateToken(new JwtSettings { Secret = ChatKitFactory.Secret }, user, TimeSpan.FromMinutes(30), TimeProvider.System, plan));
        return client;
    }

    [Test]
    public async Task TwoUsersOnDifferentPlans_AreEachStoppedAtTheirOwnLimits_OnTwoInstancesSharingRedis()
    {
        (string, string?)[] settings = [("PLANS_FILE", _file), ("MODELS", "fake/model,fake/mini"), ("REDIS_URL", TestEnvironment.RedisUrl), ("RATE_LIMIT_PER_MINUTE", "100000")];
        await using var first = ChatKitFactory.Create(null, settings);
        await using var second = ChatKitFactory.Create(null, settings);
        foreach (var (plan, sessions, perMinute) in new[] { ("free", 1, 8), ("pro", 3, 16) })
        {
            var user = ChatKitFactory.NewUser();
            using var a = ClientOn(first, user, plan);
            using var b = ClientOn(second, user, plan);

            // Sessions: the plan's cap, across both instances, with today's code and message.
            for (var i = 0; i < sessions; i++)
            {
                using var created = await (i % 2 == 0 ? a : b).PostAsJsonAsync(ChatApi.Sessions, new { });
                Assert.That(created.IsSuccessStatusCode, Is.True, $"{plan}: session {i + 1}");
            }

            using var over = await (sessions % 2 == 0 ? a : b).PostAsJsonAsync(ChatApi.Sessions, new { });
            var error = await over.AssertErrorAsync(HttpStatusCode.TooManyRequests, "SESSION_LIMIT");
            Assert.That(error["message"]!.GetValue<string>(), Does.Contain($"Maximum {sessions} sessions"));

            // Requests a minute: the plan's window, shared through Redis, and its number in the 429's header.
            await RateLimitTests.WaitUntilRedisCountsAsync(a, user);
            var used = await RateLimitTests.RedisCountAsync(user);
            var answers = new List<HttpResponseMessage>();
            for (var i = used; i < perMinute + 2; i++)
            {
                answers.Add(await (i % 2 == 0 ? a : b).GetAsync(ChatApi.Sessions));
            }

            Assert.That(answers.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(perMinute - used), plan);
            var refused = answers.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
            Assert.That(refused.Headers.GetValues("X-RateLimit-Limit").Single(), Is.EqualTo(perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            answers.ForEach(r => r.Dispose());
        }
    }

    [Test]
    public async Task Me_ShowsThePlanItsLimitsTodaysUsageAndWhatRemains()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("PLANS_FILE", _file), ("MODELS", "fake/model,fake/mini"));
        var user = ChatKitFactory.NewUser();
        using var pro = ClientOn(app, user, "pro");
        await pro.CreateSessionAsync();
        using (var task = await pro.PostAsJsonAsync("/api/v1/tasks", new { title = "one" }))
        {
            Assert.That(task.IsSuccessStatusCode, Is.True, await task.Content.ReadAsStringAsync());
        }

        var me = JsonNode.Parse(await pro.GetStringAsync("/api/v1/me"))!["data"]!;
        Assert.That(me["user_id"]!.GetValue<string>(), Is.EqualTo(user));
        Assert.That(me["plan"]!.GetValue<string>(), Is.EqualTo("pro"));
        Assert.That(me["limits"]!["max_sessions"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(me["limits"]!["requests_per_minute"]!.GetValue<int>(), Is.EqualTo(16));
        Assert.That(me["limits"]!["max_tasks"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(me["limits"]!["models"]!.AsArray().Select(m => m!.GetValue<string>()), Is.EqualTo(new[] { "fake/model", "fake/mini" }));
        Assert.That(me["usage_today"]!["sessions"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(me["usage_today"]!["tasks"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(me["remaining"]!["sessions"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(me["remaining"]!["tasks"]!.GetValue<int>(), Is.EqualTo(1));

        // The plan's task cap is the tool's and the REST endpoint's, with today's code.
        using (var second = await pro.PostAsJsonAsync("/api/v1/tasks", new { title = "two" }))
        {
            Assert.That(second.IsSuccessStatusCode, Is.True);
        }

        using var third = await pro.PostAsJsonAsync("/api/v1/tasks", new { title = "three" });
        await third.AssertErrorAsync(HttpStatusCode.TooManyRequests, "TASK_LIMIT");

        // No plan in the token: the file's default plan.
        using var plain = ClientOn(app, ChatKitFactory.NewUser(), null);
        var defaults = JsonNode.Parse(await plain.GetStringAsync("/api/v1/me"))!["data"]!;
        Assert.That(defaults["plan"]!.GetValue<string>(), Is.EqualTo("default"));
        Assert.That(defaults["limits"]!["max_sessions"]!.GetValue<int>(), Is.EqualTo(2));
    }

    [Test]
    public async Task APlansModels_AreTheComposersChoices_AndItsDefault()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("PLANS_FILE", _file), ("MODELS", "fake/model,fake/mini"));
        using var free = ClientOn(app, ChatKitFactory.NewUser(), "free");
        var composer = JsonNode.Parse(await free.GetStringAsync("/api/v1/chatkit/composer"))!;
        Assert.That(composer["models"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()), Is.EqualTo(new[] { "fake/mini" }));

        var session = await free.CreateSessionAsync();
        var marker = NativeApi.Marker();
        using (var run = await free.SendRunAsync(session, "Which model? " + marker))
        {
            Assert.That(run.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await ChatApi.ReadStreamAsync(run);
        }

        Assert.That(Upstream.RequestsWith(marker).Single().Body["model"]!.GetValue<string>(), Is.EqualTo("fake/mini"), "the plan's default model");

        using var other = await free.PostAsJsonAsync(
            ChatApi.RunsOf(session),
            new { message = new { role = "user", content = new[] { new { type = "input_text", text = "hi" } }, inference_options = new { model = "fake/model" } } });
        var refused = await other.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(refused.ToJsonString(), Does.Contain("inference_options.model"));
    }

    [TestCase("plans:\n  pro:\n    max_sesions: 3\n", "line 3")]
    [TestCase("plans:\n  pro:\n    max_sessions: many\n", "line 3")]
    [TestCase("plans:\n  pro: [unclosed\n", "line")]
    [TestCase("plans:\n  pro:\n    models: [gpt-9]\n", "gpt-9")]
    public async Task ABadPlansFile_StopsTheStart_NamingTheFileAndTheLine(string content, string named)
    {
        await File.WriteAllTextAsync(_file, content);
        using var app = ChatKitFactory.Create(null, ("PLANS_FILE", _file));
        var failure = Assert.Catch(() => app.CreateClient());
        Assert.That(failure!.ToString(), Does.Contain(_file).And.Contain(named));
    }
}
