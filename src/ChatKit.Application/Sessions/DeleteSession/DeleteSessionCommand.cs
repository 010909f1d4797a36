using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Sessions.DeleteSession;

public sealed record DeleteSessionCommand(string UserId, string SessionId) : ICommand<Result<DeletedDto>>;

public sealed class DeleteSessionHandler(ISessionStore store) : ICommandHandler<DeleteSessionCommand, Result<DeletedDto>>
{
    public async ValueTask<Result<DeletedDto>> Handle(DeleteSessionCommand command, CancellationToken cancellationToken)
    {
        var id = PathId.Parse(command.SessionId, Errors.SessionNotFound);
        if (!id.IsSuccess)
        {
            return id.Error!;
        }

        var access = await store.DeleteAsync(id.Value, command.UserId, cancellationToken).ConfigureAwait(false);
        return access == SessionAccess.Owned
            ? new DeletedDto(true, id.Value)
            : OwnedSession.ToResult(access, command.SessionId, null).Error!;
    }
}
