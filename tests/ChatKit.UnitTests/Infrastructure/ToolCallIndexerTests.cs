using System.Text.Json.Nodes;
using ChatKit.Infrastructure.Llm;

namespace ChatKit.UnitTests.Infrastructure;

public sealed class ToolCallIndexerTests
{
    private static JsonNode Call(string line) => JsonNode.Parse(line["data: ".Length..])!["choices"]![0]!["delta"]!["tool_calls"]![0]!;

    private static string Line(string call) => "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[" + call + "]}}]}";

    [Test]
    public void Rewrite_WhenEveryCallRepeatsIndexZero_GivesEachIdItsOwnIndexAndContinuationsFollowTheirCall()
    {
        var indexer = new ToolCallStreamNormalizer.ToolCallIndexer();

        var first = Call(indexer.Rewrite(Line("""{"index":0,"id":"a","type":"function","function":{"name":"x","arguments":""}}"""))!);
        var firstArgs = Call(indexer.Rewrite(Line("""{"index":0,"function":{"arguments":"{}"}}"""))!);
        var second = Call(indexer.Rewrite(Line("""{"index":0,"id":"b","type":"function","function":{"name":"y","arguments":""}}"""))!);
        var secondArgs = Call(indexer.Rewrite(Line("""{"index":0,"function":{"arguments":"{}"}}"""))!);

        Assert.That(new[] { first, firstArgs, second, secondArgs }.Select(c => c["index"]!.GetValue<int>()), Is.EqualTo(new[] { 0, 0, 1, 1 }));
    }

    [Test]
    public void Rewrite_WhenIndexIsMissingAndTypeEmpty_AddsBoth()
    {
        var indexer = new ToolCallStreamNormalizer.ToolCallIndexer();

        var call = Call(indexer.Rewrite(Line("""{"id":"a","type":"","function":{"name":"x","arguments":""}}"""))!);

        Assert.That(call["index"]!.GetValue<int>(), Is.Zero);
        Assert.That(call["type"]!.GetValue<string>(), Is.EqualTo("function"));
    }

    [TestCase("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}")]
    [TestCase(": OPENROUTER PROCESSING")]
    [TestCase("data: [DONE]")]
    public void Rewrite_LeavesLinesWithoutToolCallsAlone(string line) =>
        Assert.That(new ToolCallStreamNormalizer.ToolCallIndexer().Rewrite(line), Is.Null);
}
