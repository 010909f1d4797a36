namespace ChatKit.IntegrationTests.Hardening;

/// <summary>Resuming at or past a run's end: the same ids and bytes, nothing invented after the last, out of range refused.</summary>
public sealed class ResumeBoundsTests
{
    private static FakeLlmServer Upstream => AssemblySetup.Upstream;

    [Test]
    public async Task ResumeAtTheLastEvent_ReplaysTheSameDone_AndAfterTheDone_InventsNoId()
    {
        using var client = AssemblySetup.App.ClientFor();
        var id = await client.CreateSessionAsync();
        var run = await client.RunAsync(id, "to the end");
        var lastEvent = run.Ids[^2];
        var done = run.Ids[^1];
        Assert.That(done, Is.EqualTo(lastEvent + 1));

        using var atLast = await client.ResumeAsync(id, run.RunId!, lastEvent);
        var replay = await ChatApi.ReadStreamAsync(atLast);
        Assert.That(replay.Data, Is.EqualTo(new[] { "[DONE]" }));
        Assert.That(replay.Ids, Is.EqualTo(new[] { done }), "the same id as the first time");

        using var afterDone = await client.ResumeAsync(id, run.RunId!, done);
        var nothing = await ChatApi.ReadStreamAsync(afterDone);
        Assert.That(nothing.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(nothing.Data, Is.EqualTo(new[] { "[DONE]" }), "a reader still stops at [DONE]");
        Assert.That(nothing.Ids, Is.EqualTo(new[] { 0L }), "and it carries no id: none after the last one the run had");
    }

    [TestCase(1)]
    [TestCase(long.MaxValue)]
    public async Task ResumePastTheEnd_Is400NamingLastEventId(long beyond)
    {
        using var client = AssemblySetup.App.ClientFor();
        var id = await client.CreateSessionAsync();
        var run = await client.RunAsync(id, "to the end");
        var last = beyond == 1 ? run.Ids[^1] + 1 : beyond;

        using var response = await client.ResumeAsync(id, run.RunId!, last);

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.That(error["details"]![0]!["field"]!.GetValue<string>(), Is.EqualTo("last_event_id"));
    }

    [Test]
    public async Task TheEventCap_KeepsExactlyRunEventsMax()
    {
        await using var app = ChatKitFactory.Create(Upstream, ("RUN_EVENTS_MAX", "100"));
        using var client = app.ClientFor();
        var id = await client.CreateSessionAsync();
        var run = await client.RunAsync(id, "#tokens=300 #gapms=1 " + Guid.NewGuid());
        var lastEvent = run.Ids[^2];

        using var oldestKept = await client.ResumeAsync(id, run.RunId!, lastEvent - 100);
        var kept = await ChatApi.ReadStreamAsync(oldestKept);
        using var oneMore = await client.ResumeAsync(id, run.RunId!, lastEvent - 101);

        Assert.That(kept.Events, Has.Count.EqualTo(100), "the last RUN_EVENTS_MAX events are all kept");
        await oneMore.AssertErrorAsync(HttpStatusCode.Gone, "RUN_EVENTS_TRUNCATED");
    }
}
