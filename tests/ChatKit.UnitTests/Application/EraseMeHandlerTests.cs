using ChatKit.Application.Abstractions;
using ChatKit.Application.Me;
using ChatKit.Application.Runs.Execution;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace ChatKit.UnitTests.Application;

public sealed class EraseMeHandlerTests
{
    [Test]
    public async Task WhenTheSharedRunLogIsUnreachable_TheErasureAsksForARetry_InsteadOfFailing()
    {
        var accounts = Substitute.For<IAccountStore>();
        accounts.EraseAsync("alice", Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(new ErasureCounts(1, 2, 0, 0, 0, 1));
        var log = Substitute.For<IRunEventLog>();
        log.ForgetUserAsync("alice", Arg.Any<CancellationToken>()).ThrowsAsync(new RunLogUnreachableException());

        var result = await new EraseMeHandler(accounts, log).Handle(new EraseMeCommand("alice", "alice"), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("SERVICE_UNAVAILABLE"));
        Assert.That(result.Error.RetryAfter, Is.Not.Null);
    }
}
