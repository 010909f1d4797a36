using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Domain.Sessions;

namespace ChatKit.UnitTests.Application;

/// <summary>The one order of refusals, for a new message and a retry alike.</summary>
public sealed class TurnAdmissionTests
{
    private static readonly Budgets Both = new(TokensPerUserPerDay: 100, MaxCostPerDayUsd: 1m, Reserve: 10);
    private static readonly ChatMessage Item = ChatMessage.FromUser(Guid.NewGuid(), "x", DateTime.UtcNow);

    private static TurnFacts Fine => new(true, true, true, MessageCount: 2, Busy: false, AutoTitle: true, "t", Item, CostToday: 0.5m, TokensSpent: 50);

    private static AdmissionRequest Start(bool threadMatches = true) => new(threadMatches, IsRetry: false, MaxMessagesPerSession: 3, Both);

    private static AdmissionRequest Retry => new(true, IsRetry: true, MaxMessagesPerSession: 3, Both);

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(Fine, Start(), BeginTurnOutcome.Started).SetName("start: every check passes");
        yield return new TestCaseData(Fine with { SessionCreated = false, Exists = false }, Start(), BeginTurnOutcome.SessionLimit).SetName("start: the session could not be created");
        yield return new TestCaseData(Fine with { Exists = false, Owned = false, Busy = true }, Start(false), BeginTurnOutcome.NotFound).SetName("not found before anything else");
        yield return new TestCaseData(Fine with { Owned = false, Busy = true }, Start(false), BeginTurnOutcome.Forbidden).SetName("forbidden before the thread");
        yield return new TestCaseData(Fine with { MessageCount = 3, Busy = true }, Start(false), BeginTurnOutcome.ThreadNotFound).SetName("the thread before the cap");
        yield return new TestCaseData(Fine with { MessageCount = 3, Busy = true }, Start(), BeginTurnOutcome.MessageLimit).SetName("the cap before the claim");
        yield return new TestCaseData(Fine with { Busy = true, CostToday = 5m }, Start(), BeginTurnOutcome.RunInProgress).SetName("the claim before the budgets");
        yield return new TestCaseData(Fine with { Orphaned = true, CostToday = 5m }, Start() with { OrphansWait = true }, BeginTurnOutcome.RunInProgress)
            .SetName("a dead instance's run waits for its takeover (shared log), before the budgets");
        yield return new TestCaseData(Fine with { Orphaned = true, RetryItem = null }, Retry with { OrphansWait = true }, BeginTurnOutcome.RunInProgress)
            .SetName("retry: a dead instance's run before the item");
        yield return new TestCaseData(Fine with { Orphaned = true }, Start(), BeginTurnOutcome.Started).SetName("without a shared log a lapsed claim frees the session");
        yield return new TestCaseData(Fine with { CostToday = 1m, TokensSpent = 500 }, Start(), BeginTurnOutcome.DailyCostLimit).SetName("cost before tokens");
        yield return new TestCaseData(Fine with { UserCostToday = 2m, TokensSpent = 500 }, new AdmissionRequest(true, false, 3, Both with { UserCostPerDayUsd = 2m }), BeginTurnOutcome.DailyCostLimit)
            .SetName("a plan's own daily cost, spent, before tokens");
        yield return new TestCaseData(Fine with { UserCostToday = 1.99m }, new AdmissionRequest(true, false, 3, Both with { UserCostPerDayUsd = 2m }), BeginTurnOutcome.Started)
            .SetName("a plan's own daily cost, not yet spent");
        yield return new TestCaseData(Fine with { TokensSpent = 100 }, Start(), BeginTurnOutcome.TokenBudgetExceeded).SetName("the token budget, spent");
        yield return new TestCaseData(Fine with { MessageCount = 3 }, Retry, BeginTurnOutcome.Started).SetName("retry: no message cap");
        yield return new TestCaseData(Fine with { Busy = true, RetryItem = null }, Retry, BeginTurnOutcome.RunInProgress).SetName("retry: the claim before the item");
        yield return new TestCaseData(Fine with { RetryItem = null, CostToday = 5m }, Retry, BeginTurnOutcome.ItemNotFound).SetName("retry: the item before the budgets");
        yield return new TestCaseData(Fine with { CostToday = 5m, TokensSpent = 500 }, new AdmissionRequest(true, false, 3, Budgets.None), BeginTurnOutcome.Started)
            .SetName("no budgets configured: none applies");
    }

    [TestCaseSource(nameof(Cases))]
    public void Decide_FollowsTheContractsOrder(TurnFacts facts, AdmissionRequest request, BeginTurnOutcome expected) =>
        Assert.That(TurnAdmission.Decide(facts, request), Is.EqualTo(expected));

    [Test]
    public void NewTitle_OnlyForTheFirstMessageOfASessionWhoseTitleFollowsIt()
    {
        Assert.That(TurnAdmission.NewTitle(Fine with { MessageCount = 0 }, "Hello"), Is.EqualTo("Hello"));
        Assert.That(TurnAdmission.NewTitle(Fine with { MessageCount = 1 }, "Hello"), Is.Null);
        Assert.That(TurnAdmission.NewTitle(Fine with { MessageCount = 0, AutoTitle = false }, "Hello"), Is.Null);
    }

    [Test]
    public void Reservation_IsTheReservePlusThePromptsEstimate_OnlyUnderATokenBudget()
    {
        var history = new[] { ChatMessage.FromUser(Guid.NewGuid(), new string('a', 40), DateTime.UtcNow) };
        var message = ChatMessage.FromUser(Guid.NewGuid(), new string('b', 8), DateTime.UtcNow);
        Assert.That(TurnAdmission.Reservation(Both, history, message), Is.EqualTo(10 + 12));
        Assert.That(TurnAdmission.Reservation(Budgets.None, history, message), Is.Zero);
    }
}
