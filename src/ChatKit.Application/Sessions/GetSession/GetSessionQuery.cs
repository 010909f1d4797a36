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
        return SessionDetailPage.From(read, query.SessionId, links);
    }
}
