using System.Text;
using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>A tool call the model spelled so that it cannot be stored or sent again as it is, and what follows it.</summary>
public sealed class MalformedToolCallTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    public static IEnumerable<TestCaseData> Calls()
    {
        yield return new TestCaseData("add_task", """{"title":"ok","tags":["\ud800"]}""", "tags[0] must not contain").SetName("lone surrogate in a tag");
        yield return new TestCaseData("add_task", """{"title":"a\u0000b"}""", "title must not contain").SetName("NUL in the title");
        yield return new TestCaseData(string.Empty, """{"title":"ok"}""", "function.name is missing").SetName("empty tool name");
    }

    [TestCaseSource(nameof(Calls))]
    public async Task TheCallIsRefusedNamingTheField_AndTheNextMessagesStillReachTheModel(string name, string arguments, string refusal)
    {
        using var client = App.ClientFor();
        var id = await client.CreateSessionAsync();
        var marker = "#script-" + Guid.NewGuid().ToString("N");
        Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall("bad1", name, arguments)), ScriptStep.Text("noted"));

        var turn = await client.RunAsync(id, "do it " + marker);

        Assert.That(turn.Types, Does.Not.Contain("error"), string.Join("\n", turn.Data));
        var result = (await client.MessagesAsync(id)).Single(m => m!["role"]!.GetValue<string>() == "tool")!;
        Assert.That(result["content"]![0]!["text"]!.GetValue<string>(), Does.Contain(refusal).And.Contain("\"success\":false"));
        var tasks = (await (await client.GetAsync("/api/v1/tasks")).JsonAsync())["data"]!.AsArray();
        Assert.That(tasks, Is.Empty, "a refused call acts on nothing");

        for (var i = 0; i < 3; i++)
        {
            var next = await client.RunAsync(id, $"and then {i}");
            Assert.That(next.Types, Does.Not.Contain("error"), string.Join("\n", next.Data));
            Assert.That(next.DeltaText, Is.EqualTo(FakeLlmServer.ReplyText));
        }
    }

    [Test]
    public async Task McpToolsCall_WithALoneSurrogate_IsAnIsErrorResultNamingTheField()
    {
        using var http = App.ClientFor();
        using var response = await http.PostMcpAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_task","arguments":{"title":"ok","tags":["\ud800"]}}}""");
        var text = await response.Content.ReadAsStringAsync();

        var json = JsonNode.Parse(text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).FirstOrDefault() ?? text)!;
        Assert.That(json["error"], Is.Null, text);
        Assert.That(json["result"]!["isError"]!.GetValue<bool>(), Is.True, text);
        Assert.That(json["result"]!["content"]![0]!["text"]!.GetValue<string>(), Does.Contain("tags[0] must not contain"), text);
    }

    [TestCase("{not json", 400, -32700)]
    [TestCase("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add_task","arguments":"title=ok"}}""", 200, -32602)]
    [TestCase("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add_task","arguments":[1,2]}}""", 200, -32602)]
    public async Task McpMalformedRequests_AnswerTheirJsonRpcCodes_WithoutInternals(string body, int status, int code)
    {
        using var http = App.ClientFor();
        using var response = await http.PostMcpAsync(body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(status), text);
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.That(error["code"]!.GetValue<int>(), Is.EqualTo(code), text);
        Assert.That(text, Does.Not.Contain("LineNumber").And.Not.Contain("BytePosition"));
    }
}
