using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Sessions.GetSession;

/// <summary>A session with its messages oldest first; <see cref="Limit"/>/<see cref="After"/> page the messages.</summary>
public sealed record GetSessionQuery(string UserId, string SessionId, int? Limit = null, string? After = null)
    : IQuery<Result<SessionDetailPage>>, IPagedQuery;

public sealed class GetSessionValidator : AbstractValidator<GetSessionQuery>
{
    public GetSessionValidator()
    {
        Include(new PagingValidator());
    }
}

public sealed class GetSessionHandler(ISessionStore store, Attachments.AttachmentLinks links) : IQueryHandler<GetSessionQuery, Result<SessionDetailPage>>
{
    public async ValueTask<Result<SessionDetailPage>> Handle(GetSessionQuery query, CancellationToken cancellationToken)
    {
        var id = PathId.Parse(query.SessionId, Errors.SessionNotFound);
        if (!id.IsSuccess)
        {
            return id.Error!;
        }

        // One statement: the session, its usage and the page of messages (it was three, each on a connection of its own).
        var read = await store.ReadDetailAsync(id.Value, query.UserId, query.Limit, query.After, cancellationToken).ConfigureAwait(false);
        var owned = OwnedSession.ToResult(read.Lookup.Access, query.SessionId, read.Lookup.Session);
        if (!owned.IsSuccess)
        {
            return owned.Error!;
        }

        var s = owned.Value;
        var detail = new SessionDetailDto(
            s.Id, s.UserId, s.Title, s.CreatedAt, s.UpdatedAt, s.MessageCount, ActiveRunDto.From(s.ActiveRun), SessionUsageDto.From(read.Usage),
            read.Messages.Items.Select(m => MessageDto.From(m, links)).ToList());
        return new SessionDetailPage(detail, read.Messages.NextCursor);
    }
}
