using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using Mediator;

namespace ChatKit.Application.Sessions.Branches;

/// <summary>
/// <c>POST …/sessions/{id}/messages/{messageId}/activate</c>: the session shows, and the prompt holds, the branch through
/// that message from now on. Answers the session as <c>GET</c> does.
/// </summary>
public sealed record ActivateBranchCommand(string UserId, string SessionId, string MessageId) : ICommand<Result<SessionDetailPage>>;

public sealed class ActivateBranchHandler(IBranchStore branches, ISessionStore sessions, Attachments.AttachmentLinks links)
    : ICommandHandler<ActivateBranchCommand, Result<SessionDetailPage>>
{
    private const string Activatable = "a message of the session";

    public async ValueTask<Result<SessionDetailPage>> Handle(ActivateBranchCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var sessionId = PathId.Parse(command.SessionId, Errors.SessionNotFound);
        if (!sessionId.IsSuccess)
        {
            return sessionId.Error!;
        }

        var messageId = PathId.Parse(command.MessageId, id => Errors.MessageNotFound(id, Activatable));
        if (!messageId.IsSuccess)
        {
            return messageId.Error!;
        }

        var outcome = await branches.ActivateAsync(sessionId.Value, command.UserId, messageId.Value, cancellationToken).ConfigureAwait(false);
        if (outcome != ActivateOutcome.Activated)
        {
            return outcome switch
            {
                ActivateOutcome.Forbidden => Errors.Forbidden,
                ActivateOutcome.MessageNotFound => Errors.MessageNotFound(command.MessageId, Activatable),
                ActivateOutcome.RunInProgress => Errors.RunInProgress,
                _ => Errors.SessionNotFound(command.SessionId),
            };
        }

        var read = await sessions.ReadDetailAsync(sessionId.Value, command.UserId, null, null, cancellationToken).ConfigureAwait(false);
        return SessionDetailPage.From(read, command.SessionId, links);
    }
}
