using System.Net.Http.Json;

namespace ChatKit.IntegrationTests.Agent;

/// <summary>
/// Tools act once (ADR-023): a step whose calls change tasks is stored before they run, once, and each change records
/// its call id in its own transaction; a change made through REST records nothing.
/// </summary>
public sealed class ToolEffectTests
{
    private static ChatKitFactory App => AssemblySetup.App;

    [Test]
    public async Task AnAddTaskCall_RecordsItsCallWithTheTask_AndItsStepIsStoredOnce()
    {
        using var client = App.ClientFor();
        var sessionId = await client.CreateSessionAsync();
        var marker = NativeApi.Marker();
        var call = "call_" + Guid.NewGuid().ToString("N");
        AssemblySetup.Upstream.Script(marker, ScriptStep.ToolCalls(new ScriptedCall(call, "add_task", """{"title":"Water the plants"}""")), ScriptStep.Text("Added."));

        var stream = await client.RunAsync(sessionId, "Remind me to water the plants " + marker);
        Assert.That(stream.DeltaText, Is.EqualTo("Added."));

        var task = await TestEnvironment.ScalarAsync<Guid>("SELECT task_id FROM tool_effects WHERE session_id = @id AND call_id = @call", new { id = Guid.Parse(sessionId), call });
        var tasks = await (await client.GetAsync("/api/v1/tasks")).JsonAsync();
        Assert.That(tasks["data"]![0]!["id"]!.GetValue<string>(), Is.EqualTo(task.ToString()), "the recorded call names the task it added");
        Assert.That(await TestEnvironment.ScalarAsync<long>(
            "SELECT count(*) FROM messages WHERE session_id = @id AND role = 'assistant' AND tool_calls IS NOT NULL", new { id = Guid.Parse(sessionId) }), Is.EqualTo(1), "the step, stored once");
        Assert.That(await TestEnvironment.ScalarAsync<int>("SELECT message_count FROM sessions WHERE id = @id", new { id = Guid.Parse(sessionId) }), Is.EqualTo(3), "and counted once");

        using var rest = await client.PostAsJsonAsync("/api/v1/tasks", new { title = "By hand" });
        Assert.That(await TestEnvironment.ScalarAsync<long>("SELECT count(*) FROM tool_effects WHERE session_id = @id", new { id = Guid.Parse(sessionId) }), Is.EqualTo(1), "REST records no call");
    }
}
