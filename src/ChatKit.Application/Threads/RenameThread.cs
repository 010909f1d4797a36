using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Sessions.RenameSession;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Threads;

/// <summary><c>threads.update</c>: renames the thread (the title then no longer follows the first message).</summary>
public sealed record RenameThreadCommand(string UserId, string ThreadId, string? Title) : ICommand<Result<ThreadInfo>>;

public sealed class RenameThreadValidator : AbstractValidator<RenameThreadCommand>
{
    public RenameThreadValidator()
    {
        RuleFor(c => c.Title).RequiredTitle();
    }
}

public sealed class RenameThreadHandler(ISessionStore store, Plans.PlanCatalog plans) : ICommandHandler<RenameThreadCommand, Result<ThreadInfo>>
{
    public async ValueTask<Result<ThreadInfo>> Handle(RenameThreadCommand command, CancellationToken cancellationToken)
    {
        var session = await RenameSessionHandler.RenameAsync(store, command.UserId, command.ThreadId, command.Title!, cancellationToken)
            .ConfigureAwait(false);
        return session.IsSuccess ? ThreadInfo.From(session.Value, plans.Current.MaxMessagesPerSession) : session.Error!;
    }
}
