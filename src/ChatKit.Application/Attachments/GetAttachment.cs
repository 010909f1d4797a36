using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Attachments;
using Mediator;

namespace ChatKit.Application.Attachments;

/// <summary>An attachment's metadata, for its owner, with fresh links.</summary>
public sealed record GetAttachmentQuery(string UserId, string AttachmentId) : IQuery<Result<AttachmentDto>>;

/// <summary>
/// An uploaded attachment's bytes, for its owner's token or a signed content link; <see cref="CopyToAsync"/> streams them
/// a chunk at a time.
/// </summary>
public sealed record GetAttachmentContentQuery(string AttachmentId, AttachmentCredentials Credentials) : IQuery<Result<AttachmentContent>>;

public sealed record AttachmentContent(Attachment Attachment, Func<Stream, CancellationToken, Task> CopyToAsync);

/// <summary>ChatKit's <c>attachments.delete</c> and the REST delete: the attachment and its bytes, for its owner.</summary>
public sealed record DeleteAttachmentCommand(string UserId, string AttachmentId) : ICommand<Result<bool>>;

public sealed class AttachmentQueriesHandler(IAttachmentStore store, AttachmentLinks links)
    : IQueryHandler<GetAttachmentQuery, Result<AttachmentDto>>,
      IQueryHandler<GetAttachmentContentQuery, Result<AttachmentContent>>,
      ICommandHandler<DeleteAttachmentCommand, Result<bool>>
{
    public async ValueTask<Result<AttachmentDto>> Handle(GetAttachmentQuery query, CancellationToken cancellationToken) =>
        (await AttachmentAccess.LoadAsync(store, links, query.AttachmentId, AttachmentCredentials.Owner(query.UserId), AttachmentLinks.ContentUse, cancellationToken)
            .ConfigureAwait(false)).Map(links.ToDto);

    public async ValueTask<Result<AttachmentContent>> Handle(GetAttachmentContentQuery query, CancellationToken cancellationToken)
    {
        var found = await AttachmentAccess.LoadAsync(store, links, query.AttachmentId, query.Credentials, AttachmentLinks.ContentUse, cancellationToken)
            .ConfigureAwait(false);
        if (!found.IsSuccess)
        {
            return found.Error!;
        }

        // Until its bytes have all arrived there is nothing to serve.
        var attachment = found.Value;
        return attachment.Uploaded
            ? new AttachmentContent(attachment, (destination, ct) => store.CopyToAsync(attachment.Id, destination, ct))
            : Errors.AttachmentNotFound(query.AttachmentId);
    }

    public async ValueTask<Result<bool>> Handle(DeleteAttachmentCommand command, CancellationToken cancellationToken) =>
        Attachment.TryParseWireId(command.AttachmentId, out var id) && await store.DeleteAsync(id, command.UserId, cancellationToken).ConfigureAwait(false)
            ? true
            : Errors.AttachmentNotFound(command.AttachmentId);
}
