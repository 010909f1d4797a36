using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Plans;
using Mediator;

namespace ChatKit.Application.Import;

/// <summary>What an import left out: attachments that came without their bytes, and usage rows.</summary>
public sealed record ImportSkippedDto(int Attachments, int Usage);

/// <summary>What an import stored under the caller's account.</summary>
public sealed record ImportedDto(int Sessions, int Messages, int Tasks, int Attachments, ImportSkippedDto Skipped);

/// <summary><c>POST /api/v1/chatkit/import</c>: an export (version 1 or 2) read into the caller's account, all or nothing.</summary>
public sealed record ImportCommand(string UserId, Stream Body) : ICommand<Result<ImportedDto>>;

public sealed class ImportHandler(IImportStore store, PlanCatalog plans) : ICommandHandler<ImportCommand, Result<ImportedDto>>
{
    public async ValueTask<Result<ImportedDto>> Handle(ImportCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var plan = plans.Current;
        ImportResult result;
        try
        {
            result = await store.ImportAsync(
                command.UserId,
                ImportLineReader.ReadAsync(command.Body, cancellationToken),
                new ImportLimits(plan.MaxSessions, plan.MaxMessagesPerSession, plan.MaxTasks, plan.AttachmentBytes),
                cancellationToken).ConfigureAwait(false);
        }
        catch (ImportLineException bad)
        {
            return Errors.ImportLine(bad.Line, bad.Reason);
        }

        return result switch
        {
            { Counts: { } c } => new ImportedDto(c.Sessions, c.Messages, c.Tasks, c.Attachments, new ImportSkippedDto(c.SkippedAttachments, c.SkippedUsage)),
            { Refusal: ImportRefusal.InvalidLine } => Errors.ImportLine(result.Line!.Value, result.Reason!),
            { Refusal: ImportRefusal.SessionLimit } => Errors.SessionLimit(plan.MaxSessions),
            { Refusal: ImportRefusal.MessageLimit } => Errors.MessageLimit(plan.MaxMessagesPerSession),
            { Refusal: ImportRefusal.TaskLimit } => Errors.TaskLimit(plan.MaxTasks),
            _ => Errors.StorageLimit(plan.AttachmentBytes),
        };
    }
}
