using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Sessions.EnsureThread;

/// <summary>A session has exactly one thread whose id is the session id, so "creating" it is a read.</summary>
public sealed record EnsureThreadCommand(string UserId, string SessionId) : ICommand<Result<ThreadDto>>;

public sealed class EnsureThreadHandler(ISessionStore store) : ICommandHandler<EnsureThreadCommand, Result<ThreadDto>>
{
    public async ValueTask<Result<ThreadDto>> Handle(EnsureThreadCommand command, CancellationToken cancellationToken)
    {
        var session = await OwnedSession.LoadAsync(store, command.SessionId, command.UserId, cancellationToken)
            .ConfigureAwait(false);
        return session.IsSuccess
            ? new ThreadDto(session.Value.Id, session.Value.Id, session.Value.CreatedAt)
            : session.Error!;
    }
}
