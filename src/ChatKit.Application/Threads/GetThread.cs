using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Sessions;
using Mediator;

namespace ChatKit.Application.Threads;

/// <summary><c>threads.get_by_id</c>: one thread with its oldest 20 items, ascending.</summary>
public sealed record GetThreadQuery(string UserId, string ThreadId) : IQuery<Result<ThreadInfo>>;

public sealed class GetThreadHandler(ISessionStore store, ThreadItems items, Plans.PlanCatalog plans) : IQueryHandler<GetThreadQuery, Result<ThreadInfo>>
{
    public async ValueTask<Result<ThreadInfo>> Handle(GetThreadQuery query, CancellationToken cancellationToken)
    {
        var session = await OwnedSession.LoadAsync(store, query.ThreadId, query.UserId, cancellationToken).ConfigureAwait(false);
        if (!session.IsSuccess)
        {
            return session.Error!;
        }

        var page = await items.PageAsync(session.Value.Id, query.UserId, ThreadItems.DefaultLimit, false, null, cancellationToken).ConfigureAwait(false);
        return ThreadInfo.From(session.Value, plans.Current.MaxMessagesPerSession) with { Items = page };
    }
}
