using ChatKit.Application.Attachments;
using ChatKit.Application.Common;
using ChatKit.Application.Composer;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Domain.Sessions;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Threads;

/// <summary><c>threads.create</c>: a new session and its first turn in one request; the run's events open with <c>thread.created</c>.
/// Answers the run's id.</summary>
public sealed record CreateThreadCommand(string UserId, UserInput Input) : ICommand<Result<Guid>>
{
    /// <summary>Where the message is in the request, for naming a refused field.</summary>
    public string InputField { get; init; } = "params.input";
}

public sealed class CreateThreadValidator : AbstractValidator<CreateThreadCommand>
{
    public CreateThreadValidator(IOptions<LimitsOptions> limits, IOptions<AttachmentOptions> attachments, ComposerChoices composer)
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        this.MessageTextRules(c => c.Input.Text, limits.Value.MaxMessageLength, c => c.Input.AttachmentIds.Count > 0);
        this.ComposerRules(c => c.Input, c => c.InputField, composer);
        this.AttachmentRules(c => c.Input, c => c.InputField, attachments.Value.PerMessage);
    }
}

public sealed class CreateThreadHandler(TurnStarter turns, TimeProvider clock) : ICommandHandler<CreateThreadCommand, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(CreateThreadCommand command, CancellationToken cancellationToken)
    {
        var now = SessionRules.ToStoragePrecision(clock.GetUtcNow());
        var session = new ChatSession(Guid.CreateVersion7(), command.UserId, SessionRules.DefaultTitle, now, now, 0);

        // The session is created in the turn's own transaction: a refused turn (budget, cost cap) leaves none behind.
        return await turns.StartAsync(command.UserId, session.Id.ToString(), null, command.Input, cancellationToken, newSession: session, inputField: command.InputField)
            .ConfigureAwait(false);
    }
}
