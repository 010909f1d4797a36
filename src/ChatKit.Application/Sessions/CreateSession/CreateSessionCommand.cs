using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Text;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Sessions.CreateSession;

public sealed record CreateSessionCommand(string UserId, string? Title) : ICommand<Result<SessionDto>>;

public sealed class CreateSessionValidator : AbstractValidator<CreateSessionCommand>
{
    public CreateSessionValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.Title)
            .Must(t => t is null || SessionRules.CodePointCount(t) <= SessionRules.MaxTitleLength)
            .WithMessage($"title must be at most {SessionRules.MaxTitleLength} characters")
            .Must(t => t is null || t.Trim().Length > 0)
            .WithMessage("title must not be blank")
            .Must(StorableText.IsStorable)
            .WithMessage("title " + StorableText.UnstorableMessage);
    }
}

public sealed class CreateSessionHandler(ISessionStore store, TimeProvider clock, Plans.PlanCatalog plans)
    : ICommandHandler<CreateSessionCommand, Result<SessionDto>>
{
    public async ValueTask<Result<SessionDto>> Handle(CreateSessionCommand command, CancellationToken cancellationToken)
    {
        var now = SessionRules.ToStoragePrecision(clock.GetUtcNow());
        var session = new ChatSession(
            Guid.CreateVersion7(), command.UserId, command.Title?.Trim() ?? SessionRules.DefaultTitle, now, now, 0);
        var max = plans.Current.MaxSessions;
        var created = await store.TryCreateAsync(session, autoTitle: command.Title is null, max, cancellationToken)
            .ConfigureAwait(false);
        return created ? SessionDto.From(session) : Errors.SessionLimit(max);
    }
}
