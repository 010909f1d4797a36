using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Sessions.ListSessions;

/// <summary>The caller's sessions, newest activity first; without <see cref="Limit"/> all of them.</summary>
public sealed record ListSessionsQuery(string UserId, int? Limit = null, string? After = null) : IQuery<Result<Paged<SessionDto>>>;

public sealed class ListSessionsValidator : AbstractValidator<ListSessionsQuery>
{
    public ListSessionsValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, PagingRules.MaxLimit).When(q => q.Limit is not null)
            .WithMessage($"limit must be between 1 and {PagingRules.MaxLimit}");
        RuleFor(q => q.After).Must(PagingRules.IsWellFormedCursor).WithMessage("after is not a valid cursor");
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
