using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Text;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Sessions.RenameSession;

/// <summary><c>PATCH /sessions/{id}</c>: a new title; from then on the first message no longer names the session.</summary>
public sealed record RenameSessionCommand(string UserId, string SessionId, string? Title) : ICommand<Result<SessionDto>>;

public sealed class RenameSessionValidator : AbstractValidator<RenameSessionCommand>
{
    public RenameSessionValidator()
    {
        RuleFor(c => c.Title).RequiredTitle();
    }
}

public sealed class RenameSessionHandler(ISessionStore store) : ICommandHandler<RenameSessionCommand, Result<SessionDto>>
{
    public async ValueTask<Result<SessionDto>> Handle(RenameSessionCommand command, CancellationToken cancellationToken)
    {
        var session = await RenameAsync(store, command.UserId, command.SessionId, command.Title!, cancellationToken).ConfigureAwait(false);
        return session.IsSuccess ? SessionDto.From(session.Value) : session.Error!;
    }

    /// <summary>Renames the user's session (REST and the native <c>threads.update</c>); 404/403 as everywhere.</summary>
    public static async Task<Result<ChatSession>> RenameAsync(
        ISessionStore store, string userId, string sessionId, string title, CancellationToken cancellationToken)
    {
        var id = PathId.Parse(sessionId, Errors.SessionNotFound);
        if (!id.IsSuccess)
        {
            return id.Error!;
        }

        var renamed = await store.RenameAsync(id.Value, userId, title.Trim(), cancellationToken).ConfigureAwait(false);
        return OwnedSession.ToResult(renamed.Access, sessionId, renamed.Session);
    }
}

/// <summary>The rules of a title given by a user when renaming (REST and the native <c>threads.update</c>).</summary>
public static class TitleRules
{
    public static IRuleBuilderOptions<T, string?> RequiredTitle<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("title is required")
            .Must(t => t!.Trim().Length > 0).WithMessage("title must not be blank")
            .Must(t => SessionRules.CodePointCount(t!.Trim()) <= SessionRules.MaxTitleLength)
            .WithMessage($"title must be at most {SessionRules.MaxTitleLength} characters")
            .Must(StorableText.IsStorable).WithMessage("title " + StorableText.UnstorableMessage);
}
