using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.Execution;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Me;

public sealed record ErasedDto(int Sessions, int Messages, int Tasks, int Attachments, int IdempotencyKeys, int UsageRowsAnonymised, int RunLogs);

/// <summary>
/// <c>DELETE /api/v1/me</c>: everything of the caller, gone (ADR-025). <paramref name="Confirm"/> must repeat the caller's
/// user id, so a stray request cannot erase an account.
/// </summary>
public sealed record EraseMeCommand(string UserId, string? Confirm) : ICommand<Result<ErasedDto>>;

public sealed class EraseMeValidator : AbstractValidator<EraseMeCommand>
{
    public EraseMeValidator() =>
        RuleFor(c => c.Confirm).Must((c, confirm) => string.Equals(confirm, c.UserId, StringComparison.Ordinal))
            .OverridePropertyName("confirm")
            .WithMessage("confirm must be your user id, to erase everything of yours");
}

public sealed class EraseMeHandler(IAccountStore accounts, IRunEventLog log) : ICommandHandler<EraseMeCommand, Result<ErasedDto>>
{
    public async ValueTask<Result<ErasedDto>> Handle(EraseMeCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);

        // The ledger keeps what was spent (the daily cost cap counts it) under a name nobody can trace back to the user.
        if (await accounts.EraseAsync(command.UserId, "erased-" + Guid.NewGuid().ToString("N"), cancellationToken).ConfigureAwait(false) is not { } erased)
        {
            return Errors.ErasureWhileRunning;
        }

        int runLogs;
        try
        {
            runLogs = await log.ForgetUserAsync(command.UserId, cancellationToken).ConfigureAwait(false);
        }
        catch (RunLogUnreachableException)
        {
            // The rows are gone; the run logs in Redis are not yet. A retry (harmless, as every repeat is) finishes it.
            return Errors.RunLogUnreachable;
        }

        return new ErasedDto(erased.Sessions, erased.Messages, erased.Tasks, erased.Attachments, erased.IdempotencyKeys, erased.UsageRowsAnonymised, runLogs);
    }
}
