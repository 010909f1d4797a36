using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Sessions.ListSessions;

/// <summary>The caller's sessions, newest activity first; without <see cref="Limit"/> all of them.</summary>
public sealed record ListSessionsQuery(string UserId, int? Limit = null, string? After = null) : IQuery<Result<Paged<SessionDto>>>, IPagedQuery;

public sealed class ListSessionsValidator : AbstractValidator<ListSessionsQuery>
{
    public ListSessionsValidator()
    {
        Include(new PagingValidator());
    }
}

public sealed class ListSessionsHandler(ISessionStore store) : IQueryHandler<ListSessionsQuery, Result<Paged<SessionDto>>>
{
    public async ValueTask<Result<Paged<SessionDto>>> Handle(ListSessionsQuery query, CancellationToken cancellationToken)
    {
        var page = await store.ListAsync(query.UserId, query.Limit, query.After, cancellationToken).ConfigureAwait(false);
        return new Paged<SessionDto>(page.Items.Select(SessionDto.From).ToList(), page.Total, page.NextCursor);
    }
}
