using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using ChatKit.Application.Sessions.CreateSession;
using ChatKit.Domain.Sessions;
using NSubstitute;

namespace ChatKit.UnitTests.Application;

public sealed class CreateSessionHandlerTests
{
    private readonly ISessionStore _store = Substitute.For<ISessionStore>();

    [Test]
    public async Task Handle_WhenStoreRefusesAtTheCap_ReturnsSessionLimitNamingTheCap()
    {
        _store.TryCreateAsync(Arg.Any<ChatSession>(), Arg.Any<bool>(), 3, Arg.Any<CancellationToken>()).Returns(false);
        var handler = new CreateSessionHandler(_store, TimeProvider.System, TestPlans.Catalog(new LimitsOptions { MaxSessionsPerUser = 3 }));

        var result = await handler.Handle(new CreateSessionCommand("bob", null), CancellationToken.None);

        Assert.That(result.Error!.Code, Is.EqualTo("SESSION_LIMIT"));
        Assert.That(result.Error.Message, Is.EqualTo("Maximum 3 sessions allowed. Please delete an old session."));
    }

    [Test]
    public async Task Handle_WithoutTitle_CreatesNewChatWithAutoTitleOn()
    {
        _store.TryCreateAsync(Arg.Any<ChatSession>(), Arg.Any<bool>(), Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(true);
        var handler = new CreateSessionHandler(_store, TimeProvider.System, TestPlans.Catalog());

        var result = await handler.Handle(new CreateSessionCommand("bob", null), CancellationToken.None);

        Assert.That(result.Value.Title, Is.EqualTo("New Chat"));
        Assert.That(result.Value.Id.Version, Is.EqualTo(7));
        await _store.Received(1).TryCreateAsync(Arg.Is<ChatSession>(s => s.UserId == "bob"), true, 10, Arg.Any<CancellationToken>());
    }
}
