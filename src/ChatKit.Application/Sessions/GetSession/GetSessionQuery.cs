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

public sealed class GetSessionHandler(ISessionStore store, IMessageStore messages, IUsageStore usage) : IQueryHandler<GetSessionQuery, Result<SessionDetailPage>>
{
    public async ValueTask<Result<SessionDetailPage>> Handle(GetSessionQuery query, CancellationToken cancellationToken)
    {
        var owned = await OwnedSession.LoadAsync(store, query.SessionId, query.UserId, cancellationToken).ConfigureAwait(false);
        if (!owned.IsSuccess)
        {
            return owned.Error!;
        }

        var s = owned.Value;
        var page = await messages.GetMessagesAsync(s.Id, query.UserId, query.Limit, query.After, cancellationToken)
            .ConfigureAwait(false);
        var totals = await usage.SessionTotalsAsync(s.Id, cancellationToken).ConfigureAwait(false);
        var detail = new SessionDetailDto(
            s.Id, s.UserId, s.Title, s.CreatedAt, s.UpdatedAt, s.MessageCount, ActiveRunDto.From(s.ActiveRun), SessionUsageDto.From(totals),
            page.Items.Select(MessageDto.From).ToList());
        return new SessionDetailPage(detail, page.NextCursor);
    }
}
