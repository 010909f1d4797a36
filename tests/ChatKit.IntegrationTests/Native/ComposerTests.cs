using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Native;

/// <summary>
/// The composer (docs/chatkit.md): <c>MODELS</c> and <c>GET /api/v1/chatkit/composer</c>, the model picked for a turn used
/// for every call and recorded, the tool picked forced on the first call — natively and over REST.
/// </summary>
public sealed class ComposerTests
{
    private const string Models = "fake/model, other/model-2";

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static object Input(string text, object inference) =>
        new { content = new[] { new { type = "input_text", text } }, attachments = Array.Empty<string>(), inference_options = inference };

    [Test]
    public async Task Composer_ListsTheModelsWithTheFirstAsDefault_AndTheTools()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("MODELS", Models));
        using var client = app.ClientFor();

        var composer = await (await client.GetAsync("/api/v1/chatkit/composer")).JsonAsync();

        Assert.That(composer["models"]!.ToJsonString(), Is.EqualTo("""[{"id":"fake/model","label":"model","default":true},{"id":"other/model-2","label":"model-2","default":false}]"""));
        var tools = composer["tools"]!.AsArray();
        Assert.That(tools.Select(t => t!["id"]!.GetValue<string>()), Does.Contain("list_tasks").And.Contain("add_task"));
        Assert.That(tools.Single(t => t!["id"]!.GetValue<string>() == "add_task")!["label"]!.GetValue<string>(), Is.EqualTo("Add task"));
        using var anonymous = app.CreateClient();
        Assert.That((await anonymous.GetAsync("/api/v1/chatkit/composer")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task APickedModel_IsUsedForEveryCallOfTheTurn_RecordedAndEchoed_AndAPickedToolIsForcedFirst()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("MODELS", Models));
        using var client = app.ClientFor();
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("k1", "list_tasks", "{}")), ScriptStep.Text("Listed."));

        var stream = await StreamAsync(client, "threads.create", new { input = Input("plan my week " + marker, new { model = "other/model-2", tool_choice = new { id = "list_tasks" } }) });

        var requests = Upstream.RequestsWith(marker);
        Assert.That(requests, Has.Count.EqualTo(2));
        Assert.That(requests.Select(r => r.Body["model"]!.GetValue<string>()), Is.All.EqualTo("other/model-2"), "every call of the turn");
        Assert.That(requests[0].Body["tool_choice"]!.ToJsonString(), Is.EqualTo("""{"type":"function","function":{"name":"list_tasks"}}"""));
        Assert.That(requests[1].Body["tool_choice"]?.ToJsonString(), Is.Not.EqualTo(requests[0].Body["tool_choice"]!.ToJsonString()), "only the first call is forced");
        var user = stream.Events.First(e => e["item"]?["type"]?.GetValue<string>() == "user_message")["item"]!;
        Assert.That(JsonNode.DeepEquals(user["inference_options"], JsonNode.Parse("""{"tool_choice":{"id":"list_tasks"},"model":"other/model-2"}""")), Is.True, user["inference_options"]!.ToJsonString());

        var threadId = stream.Events[0]["thread"]!["id"]!.GetValue<string>();
        var messages = await client.MessagesAsync(threadId);
        Assert.That(messages.Where(m => m!["role"]!.GetValue<string>() == "assistant").Select(m => m!["model"]!.GetValue<string>()), Is.All.EqualTo("other/model-2"));
        var reloaded = await CallAsync(client, "threads.get_by_id", new { thread_id = threadId });
        Assert.That(reloaded["items"]!["data"]![0]!["inference_options"]!.ToJsonString(), Is.EqualTo(user["inference_options"]!.ToJsonString()), "on reload too");

        // Without a choice, the default model.
        var next = Marker();
        Upstream.Script(next, ScriptStep.Text("ok"));
        await StreamAsync(client, "threads.add_user_message", new { thread_id = threadId, input = Input("again " + next, new { }) });
        Assert.That(Upstream.RequestsWith(next).Single().Body["model"]!.GetValue<string>(), Is.EqualTo("fake/model"));
        await ReferenceTypes.AssertValidAsync([.. ReferenceTypes.Events(stream.Events), (ReferenceTypes.Thread, reloaded)]);
    }

    [Test]
    public async Task AModelOrToolNotOffered_IsRefusedNamingTheField_AndNothingIsStored()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("MODELS", Models));
        using var client = app.ClientFor();

        using var model = await client.PostJsonAsync(Endpoint, Body("threads.create", new { input = Input("hi", new { model = "rogue/model" }) }));
        var refused = await model.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(refused.ToJsonString(), Does.Contain("params.input.inference_options.model"));
        using var tool = await client.PostJsonAsync(Endpoint, Body("threads.create", new { input = Input("hi", new { tool_choice = new { id = "launch_rockets" } }) }));
        Assert.That((await tool.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR")).ToJsonString(), Does.Contain("params.input.inference_options.tool_choice.id"));
        Assert.That((await CallAsync(client, "threads.list"))["data"]!.AsArray(), Is.Empty, "nothing stored");

        // REST names its own field, and a picked model works there too.
        var session = await client.CreateSessionAsync();
        var body = new { message = new { content = new[] { new { type = "input_text", text = "hi" } }, inference_options = new { model = "rogue/model" } } };
        using var rest = await client.PostAsJsonAsync(ChatApi.RunsOf(session), body);
        Assert.That((await rest.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR")).ToJsonString(), Does.Contain("message.inference_options.model"));
        Assert.That(await client.MessagesAsync(session), Is.Empty);
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.Text("ok"));
        var ok = new { message = new { content = new[] { new { type = "input_text", text = "hi " + marker } }, inference_options = new { model = "other/model-2" } } };
        using var started = await client.PostAsJsonAsync(ChatApi.RunsOf(session), ok);
        await ChatApi.ReadStreamAsync(started);
        Assert.That(Upstream.RequestsWith(marker).Single().Body["model"]!.GetValue<string>(), Is.EqualTo("other/model-2"));
    }

    private const string Endpoint = NativeApi.Endpoint;
}
