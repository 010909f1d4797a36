using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Application.Transfers;
using ChatKit.Domain.Attachments;
using Mediator;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Attachments;

/// <summary>
/// The second phase of ChatKit's upload: the bytes of a pending attachment, through its signed upload link (or with its
/// owner's token), streamed to the store and checked as they pass. Answers the attachment, its upload link gone.
/// </summary>
public sealed record UploadAttachmentCommand(string AttachmentId, AttachmentCredentials Credentials, Stream Body) : ICommand<Result<AttachmentDto>>;

/// <summary>The REST one-step upload: a new attachment and its bytes in one request; it exists only once all of it is stored.</summary>
public sealed record UploadNewAttachmentCommand(string UserId, string? Name, string? MimeType, Stream Body) : ICommand<Result<AttachmentDto>>;

public sealed class UploadAttachmentHandler(
    IAttachmentStore store,
    AttachmentLinks links,
    IOptions<AttachmentOptions> options,
    AttachmentMetrics metrics,
    TimeProvider clock,
    Plans.PlanCatalog plans,
    TransferGate transfers)
    : ICommandHandler<UploadAttachmentCommand, Result<AttachmentDto>>, ICommandHandler<UploadNewAttachmentCommand, Result<AttachmentDto>>
{
    public async ValueTask<Result<AttachmentDto>> Handle(UploadAttachmentCommand command, CancellationToken cancellationToken)
    {
        var found = await AttachmentAccess.LoadAsync(store, links, command.AttachmentId, command.Credentials, AttachmentLinks.UploadUse, cancellationToken)
            .ConfigureAwait(false);
        if (!found.IsSuccess)
        {
            return found.Error!;
        }

        var attachment = found.Value;
        return attachment.Uploaded
            ? Errors.Invalid("attachment_id", $"{attachment.WireId} was uploaded already")
            : await StoreAsync(attachment, create: false, attachment.Size, command.Body, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Result<AttachmentDto>> Handle(UploadNewAttachmentCommand command, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!AttachmentTypeRules.Allows(o, command.MimeType))
        {
            metrics.Uploaded("rejected");
            return Errors.Invalid("file.mime_type", AttachmentTypeRules.Refusal(o));
        }

        var attachment = new Attachment(
            Guid.CreateVersion7(), command.UserId, AttachmentTypes.CleanName(command.Name), command.MimeType!.ToLowerInvariant(), 0, clock.GetUtcNow().UtcDateTime);
        return await StoreAsync(attachment, create: true, null, command.Body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The bytes are received whole into a spool file, checked as they pass, before a connection is taken: a slow client
    /// holds a transfer slot and a file, never a pooled connection; the store then copies them in one short transaction.
    /// </summary>
    private async Task<Result<AttachmentDto>> StoreAsync(Attachment attachment, bool create, long? declared, Stream body, CancellationToken ct)
    {
        var begun = transfers.Begin(attachment.UserId);
        if (!begun.IsSuccess)
        {
            metrics.Uploaded("refused_busy");
            return begun.Error!;
        }

        var o = options.Value;
        StoredUpload stored;
        var transfer = begun.Value;
        await using (transfer.ConfigureAwait(false))
        {
            try
            {
                await foreach (var chunk in UploadChunks.ReadAsync(body, attachment.MimeType, declared, o.MaxBytes, ct).ConfigureAwait(false))
                {
                    await transfer.Spool.WriteRecordAsync(chunk, ct).ConfigureAwait(false);
                }

                stored = await store.StoreAsync(attachment, create, plans.Current.AttachmentBytes, transfer.Spool.ReadRecordsAsync(ct), ct).ConfigureAwait(false);
            }
            catch (AttachmentRejectedException rejected) when (rejected.Error is { } error)
            {
                metrics.Uploaded("rejected");
                return error;
            }
            catch (InvalidDataException)
            {
                // A multipart body that breaks off or goes wrong inside the file's part.
                metrics.Uploaded("rejected");
                return Errors.Invalid("file", "the multipart/form-data body is malformed");
            }
            catch (Exception aborted) when (aborted is IOException or OperationCanceledException)
            {
                // The client hung up or its body broke off: nothing of it was stored.
                metrics.Uploaded("aborted");
                throw;
            }
        }

        switch (stored.Outcome)
        {
            case UploadOutcome.Stored:
                metrics.Uploaded("stored", stored.Bytes);
                return links.ToDto(attachment with { Size = stored.Bytes, Uploaded = true });
            case UploadOutcome.OverStorageLimit:
                metrics.Uploaded("over_limit");
                return Errors.StorageLimit(plans.Current.AttachmentBytes);
            default:
                return Errors.AttachmentNotFound(attachment.WireId);
        }
    }
}
