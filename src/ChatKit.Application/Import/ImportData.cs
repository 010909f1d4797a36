using System.Buffers.Binary;
using System.Text;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Application.Plans;
using ChatKit.Application.Transfers;
using Mediator;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Import;

/// <summary>What an import left out: attachments that came without their bytes, and usage rows.</summary>
public sealed record ImportSkippedDto(int Attachments, int Usage);

/// <summary>What an import stored under the caller's account.</summary>
public sealed record ImportedDto(int Sessions, int Messages, int Tasks, int Attachments, ImportSkippedDto Skipped);

/// <summary><c>POST /api/v1/chatkit/import</c>: an export (version 1 or 2) read into the caller's account, all or nothing.</summary>
public sealed record ImportCommand(string UserId, Stream Body) : ICommand<Result<ImportedDto>>;

public sealed class ImportHandler(
    IImportStore store, PlanCatalog plans, TransferGate transfers, IOptions<LimitsOptions> limits, IOptions<AttachmentOptions> attachments) : ICommandHandler<ImportCommand, Result<ImportedDto>>
{
    /// <summary>
    /// The body is read and every line checked into a spool file first (a bad line is refused before the database is
    /// touched); only then is the import stored, from the file, in one transaction that waits on no client.
    /// </summary>
    public async ValueTask<Result<ImportedDto>> Handle(ImportCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var begun = transfers.Begin(command.UserId);
        if (!begun.IsSuccess)
        {
            return begun.Error!;
        }

        var plan = plans.Current;
        ImportResult result;
        var transfer = begun.Value;
        await using (transfer.ConfigureAwait(false))
        {
            try
            {
                var rules = new ImportRules(limits.Value.MaxMessageLength, attachments.Value.MaxBytes, attachments.Value.TypeList);
                await foreach (var line in ImportLineReader.ReadAsync(command.Body, rules, cancellationToken).ConfigureAwait(false))
                {
                    await transfer.Spool.WriteRecordAsync(SpooledLine.Encode(line), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (ImportLineException bad)
            {
                return Errors.ImportLine(bad.Line, bad.Reason);
            }

            result = await store.ImportAsync(
                command.UserId,
                SpooledLine.DecodeAsync(transfer.Spool.ReadRecordsAsync(cancellationToken)),
                new ImportLimits(plan.MaxSessions, plan.MaxMessagesPerSession, plan.MaxTasks, plan.AttachmentBytes, attachments.Value.PerMessage),
                cancellationToken).ConfigureAwait(false);
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

/// <summary>A checked import line as a spool record: its number, its kind's length and kind, then its JSON, UTF-8.</summary>
internal static class SpooledLine
{
    public static byte[] Encode(ImportLine line)
    {
        var kind = Encoding.UTF8.GetBytes(line.Kind);
        var json = Encoding.UTF8.GetBytes(line.Json);
        var record = new byte[5 + kind.Length + json.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, line.Number);
        record[4] = (byte)kind.Length;
        kind.CopyTo(record, 5);
        json.CopyTo(record, 5 + kind.Length);
        return record;
    }

    public static async IAsyncEnumerable<ImportLine> DecodeAsync(IAsyncEnumerable<ReadOnlyMemory<byte>> records)
    {
        await foreach (var record in records.ConfigureAwait(false))
        {
            var number = BinaryPrimitives.ReadInt32LittleEndian(record.Span);
            var kindLength = record.Span[4];
            yield return new ImportLine(
                number, Encoding.UTF8.GetString(record.Span.Slice(5, kindLength)), Encoding.UTF8.GetString(record.Span[(5 + kindLength)..]));
        }
    }
}
