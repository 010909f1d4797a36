using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Sessions;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Threads;

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
