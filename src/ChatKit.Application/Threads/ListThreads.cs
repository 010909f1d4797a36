using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.ThreadStream;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Threads;

/// <summary><c>threads.list</c>: the caller's threads by creation time, each with an empty items page.</summary>
public sealed record ListThreadsQuery(string UserId, int? Limit, string? Order, string? After) : IQuery<Result<ThreadItemsPage>>, IThreadPaging;

public sealed class ListThreadsValidator : AbstractValidator<ListThreadsQuery>
{
    public ListThreadsValidator() => Include(new ThreadPagingValidator());
}

public sealed class ListThreadsHandler(ISessionStore store, Plans.PlanCatalog plans) : IQueryHandler<ListThreadsQuery, Result<ThreadItemsPage>>
{
    public async ValueTask<Result<ThreadItemsPage>> Handle(ListThreadsQuery query, CancellationToken cancellationToken)
    {
        var limit = query.Limit ?? ThreadItems.DefaultLimit;
        Guid? after = query.After is null ? null : Guid.TryParse(query.After, out var id) ? id : Guid.Empty;
        var rows = await store.ListByCreationAsync(query.UserId, limit + 1, query.Order != "asc", after, cancellationToken).ConfigureAwait(false);
        var page = rows.Take(limit).Select(s => ThreadInfo.From(s, plans.Current.MaxMessagesPerSession)).ToList();
        var hasMore = rows.Count > limit;
        return new ThreadItemsPage(page, hasMore, hasMore ? page[^1].Id.ToString() : null);
    }
}
