using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Sessions;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Threads;

/// <summary>ChatKit's <c>limit</c>/<c>order</c> paging parameters, checked the same way for threads and items.</summary>
public interface IThreadPaging
{
    int? Limit { get; }

    string? Order { get; }
}

public sealed class ThreadPagingValidator : AbstractValidator<IThreadPaging>
{
    public ThreadPagingValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, ThreadItems.MaxLimit).When(q => q.Limit is not null)
            .WithMessage($"limit must be between 1 and {ThreadItems.MaxLimit}");
        RuleFor(q => q.Order).Must(o => o is null or "asc" or "desc").WithMessage("order must be asc or desc");
    }
}

/// <summary><c>threads.list</c>: the caller's threads by creation time, each with an empty items page.</summary>
public sealed record ListThreadsQuery(string UserId, int? Limit, string? Order, string? After) : IQuery<Result<ThreadItemsPage>>, IThreadPaging;

public sealed class ListThreadsValidator : AbstractValidator<ListThreadsQuery>
{
    public ListThreadsValidator() => Include(new ThreadPagingValidator());
}

public sealed class ListThreadsHandler(ISessionStore store) : IQueryHandler<ListThreadsQuery, Result<ThreadItemsPage>>
{
    public async ValueTask<Result<ThreadItemsPage>> Handle(ListThreadsQuery query, CancellationToken cancellationToken)
    {
        var limit = query.Limit ?? ThreadItems.DefaultLimit;
        Guid? after = query.After is null ? null : Guid.TryParse(query.After, out var id) ? id : Guid.Empty;
        var rows = await store.ListByCreationAsync(query.UserId, limit + 1, query.Order != "asc", after, cancellationToken).ConfigureAwait(false);
        var page = rows.Take(limit).Select(ThreadInfo.From).ToList();
        var hasMore = rows.Count > limit;
        return new ThreadItemsPage(page, hasMore, hasMore ? page[^1].Id.ToString() : null);
    }
}

/// <summary><c>threads.get_by_id</c>: one thread with its oldest 20 items, ascending.</summary>
public sealed record GetThreadQuery(string UserId, string ThreadId) : IQuery<Result<ThreadInfo>>;

public sealed class GetThreadHandler(ISessionStore store, ThreadItems items) : IQueryHandler<GetThreadQuery, Result<ThreadInfo>>
{
    public async ValueTask<Result<ThreadInfo>> Handle(GetThreadQuery query, CancellationToken cancellationToken)
    {
        var session = await OwnedSession.LoadAsync(store, query.ThreadId, query.UserId, cancellationToken).ConfigureAwait(false);
        if (!session.IsSuccess)
        {
            return session.Error!;
        }

        var page = await items.PageAsync(session.Value.Id, query.UserId, ThreadItems.DefaultLimit, false, null, cancellationToken).ConfigureAwait(false);
        return ThreadInfo.From(session.Value) with { Items = page };
    }
}

/// <summary><c>items.list</c>: a thread's items, newest first by default, paged by item id.</summary>
public sealed record ListItemsQuery(string UserId, string ThreadId, int? Limit, string? Order, string? After)
    : IQuery<Result<ThreadItemsPage>>, IThreadPaging;

public sealed class ListItemsValidator : AbstractValidator<ListItemsQuery>
{
    public ListItemsValidator() => Include(new ThreadPagingValidator());
}

public sealed class ListItemsHandler(ISessionStore store, ThreadItems items) : IQueryHandler<ListItemsQuery, Result<ThreadItemsPage>>
{
    public async ValueTask<Result<ThreadItemsPage>> Handle(ListItemsQuery query, CancellationToken cancellationToken)
    {
        var session = await OwnedSession.LoadAsync(store, query.ThreadId, query.UserId, cancellationToken).ConfigureAwait(false);
        return session.IsSuccess
            ? await items.PageAsync(
                session.Value.Id, query.UserId, query.Limit ?? ThreadItems.DefaultLimit, query.Order != "asc", query.After, cancellationToken).ConfigureAwait(false)
            : session.Error!;
    }
}
