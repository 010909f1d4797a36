using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static ChatKit.IntegrationTests.Infrastructure.NativeApi;

namespace ChatKit.IntegrationTests.Native;

/// <summary>
/// A user's message is kept as sent (docs/chatkit.md): @-mention tags with their ids and data, in order with the text,
/// what it quotes, and the composer's choices — in the stream, on reload (native and REST) — and the model reads each
/// tag's text and id and the quoted text.
/// </summary>
public sealed class UserInputTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    private static JsonObject Tag(string id, string text) => new()
    {
        ["type"] = "input_tag",
        ["id"] = id,
        ["text"] = text,
        ["data"] = new JsonObject { ["task_id"] = id, ["priority"] = "low" },
        ["group"] = "Tasks",
        ["interactive"] = true,
    };

    [Test]
    public async Task AMessageWithATagAndAQuote_IsStoredAndReturnedAsSent_AndTheModelSeesTheTagsId()
    {
        using var client = App.ClientFor();
        var task = (await (await client.PostAsJsonAsync("/api/v1/tasks", new { title = "Buy milk" })).JsonAsync())["data"]!["id"]!.GetValue<string>();
        var marker = Marker();
        Upstream.Script(marker, ScriptStep.Text("On it."));
        JsonArray content = [new JsonObject { ["type"] = "input_text", ["text"] = "Move " }, Tag(task, "Buy milk"), new JsonObject { ["type"] = "input_text", ["text"] = " to high " + marker }];
        var input = new JsonObject { ["content"] = content, ["attachments"] = new JsonArray(), ["quoted_text"] = "You have 3 tasks.\nBuy milk is low.", ["inference_options"] = new JsonObject() };

        var stream = await StreamAsync(client, "threads.create", JsonNode.Parse(new JsonObject { ["input"] = input }.ToJsonString())!);

        var item = stream.Events.First(e => e["item"]?["type"]?.GetValue<string>() == "user_message")["item"]!;
        Assert.That(item["content"]!.ToJsonString(), Is.EqualTo(content.ToJsonString()), "every part, in order, as sent");
        Assert.That(item["quoted_text"]!.GetValue<string>(), Is.EqualTo("You have 3 tasks.\nBuy milk is low."));
        Assert.That(item["inference_options"]!.ToJsonString(), Is.EqualTo("{}"));

        // The model reads the tag with its id, after what the message quotes.
        var sent = Upstream.RequestsWith(marker).Single().LastUserText;
        Assert.That(sent, Is.EqualTo($"> You have 3 tasks.\n> Buy milk is low.\n\nMove Buy milk (task {task}) to high {marker}"));

        // On reload: the same item natively, and the same parts over REST.
        var threadId = stream.Events[0]["thread"]!["id"]!.GetValue<string>();
        var thread = await CallAsync(client, "threads.get_by_id", new { thread_id = threadId });
        Assert.That(thread["items"]!["data"]![0]!.ToJsonString(), Is.EqualTo(item.ToJsonString()));
        var rest = await client.MessagesAsync(threadId);
        Assert.That(JsonNode.DeepEquals(rest[0]!["content"], content), Is.True, rest[0]!["content"]!.ToJsonString());
        Assert.That(stream.Events.Last(e => e["type"]!.GetValue<string>() == "thread.updated")["thread"]!["title"]!.GetValue<string>(), Does.StartWith("Move Buy milk to high"));

        await ReferenceTypes.AssertValidAsync([.. ReferenceTypes.Events(stream.Events), (ReferenceTypes.Thread, thread)]);
    }

    [Test]
    public async Task TheTextThePartsAddUpTo_IsWhatTheLengthRuleCounts()
    {
        using var client = App.ClientFor();
        var tag = Tag(Guid.NewGuid().ToString(), new string('x', 300));
        var input = new JsonObject
        {
            ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = new string('a', 250) }, tag),
            ["attachments"] = new JsonArray(),
            ["inference_options"] = new JsonObject(),
        };

        using var response = await client.PostJsonAsync(Endpoint, Body("threads.create", JsonNode.Parse(new JsonObject { ["input"] = input }.ToJsonString())));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "MESSAGE_TOO_LONG");
    }

    [TestCase("""{"type":"input_tag","text":"no id","data":{}}""", "params.input.content.id")]
    [TestCase("""{"type":"input_tag","id":"t1","text":"x","data":[1]}""", "params.input.content.data")]
    [TestCase("""{"type":"input_image","text":"x"}""", "params.input.content")]
    public async Task AMalformedPart_IsRefusedNamingItsField(string part, string field)
    {
        using var client = App.ClientFor();
        var body = "{\"type\":\"threads.create\",\"params\":{\"input\":{\"content\":[" + part + "],\"attachments\":[],\"inference_options\":{}}}}";

        using var response = await client.PostJsonAsync(Endpoint, body);

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error.ToJsonString(), Does.Contain(field));
    }

    private const string Endpoint = NativeApi.Endpoint;
}
