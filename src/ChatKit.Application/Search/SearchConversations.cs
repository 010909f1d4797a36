using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Sessions;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Search;

/// <summary>
/// One search hit: a message (with its session) or a task. <c>snippet</c> is HTML: <c>&lt;mark&gt;</c> around what
/// matched, everything else escaped.
/// </summary>
public sealed record SearchHitDto(
    string Type, Guid Id, DateTime CreatedAt, Guid? SessionId, string? SessionTitle, string? Role, string? Title, string Snippet, string Match);

/// <summary><c>GET /api/v1/chatkit/search</c>: <paramref name="Types"/> is a comma-separated list of <c>messages</c>, <c>tasks</c>.</summary>
public sealed record SearchQuery(string UserId, string? Q, string? Types, int? Limit, string? After)
    : IQuery<Result<Paged<SearchHitDto>>>
{
    public const int MaxQueryLength = 200;
    public const int DefaultLimit = 20;
    public const int MaxLimit = 50;

    /// <summary>The scope <see cref="Types"/> names; null when it names something else.</summary>
    public SearchScope? Scope
    {
        get
        {
            if (string.IsNullOrWhiteSpace(Types))
            {
                return SearchScope.Messages;
            }

            SearchScope scope = 0;
            foreach (var type in Types.Split(',', StringSplitOptions.TrimEntries))
            {
                scope |= type switch
                {
                    "messages" => SearchScope.Messages,
                    "tasks" => SearchScope.Tasks,
                    _ => (SearchScope)(-1),
                };
            }

            return scope is SearchScope.Messages or SearchScope.Tasks or (SearchScope.Messages | SearchScope.Tasks) ? scope : null;
        }
    }
}

public sealed class SearchValidator : AbstractValidator<SearchQuery>
{
    public SearchValidator()
    {
        RuleFor(q => q.Q).Must(q => !string.IsNullOrWhiteSpace(q) && q.Trim().Length <= SearchQuery.MaxQueryLength)
            .OverridePropertyName("q")
            .WithMessage($"q must be 1 to {SearchQuery.MaxQueryLength} characters");
        RuleFor(q => q.Q).Must(Domain.Text.StorableText.IsStorable)
            .OverridePropertyName("q")
            .WithMessage("q " + Domain.Text.StorableText.UnstorableMessage);
        RuleFor(q => q.Scope).NotNull().OverridePropertyName("types")
            .WithMessage("types must be messages, tasks, or both separated by a comma");
        RuleFor(q => q.Limit).InclusiveBetween(1, SearchQuery.MaxLimit).When(q => q.Limit is not null)
            .OverridePropertyName("limit")
            .WithMessage($"limit must be between 1 and {SearchQuery.MaxLimit}");
        RuleFor(q => q.After).Must(PagingRules.IsWellFormedCursor).OverridePropertyName("after")
            .WithMessage("after is not a valid cursor");
    }
}

public sealed class SearchHandler(ISearchStore store) : IQueryHandler<SearchQuery, Result<Paged<SearchHitDto>>>
{
    public async ValueTask<Result<Paged<SearchHitDto>>> Handle(SearchQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = query.Limit ?? SearchQuery.DefaultLimit;
        var hasCursor = PagingRules.TryDecode(query.After, out var afterAt, out var afterId);
        var rows = await store.SearchAsync(
            query.UserId, query.Q!.Trim(), query.Scope!.Value, limit + 1,
            hasCursor ? afterAt : null, hasCursor ? afterId : null, cancellationToken).ConfigureAwait(false);

        // The similarity fallback is one page: its order is not the full-text query's, so a cursor could not continue it.
        string? next = null;
        var page = rows;
        if (rows.Count > limit)
        {
            page = rows.Take(limit).ToList();
            next = rows[0].Match == SearchMatch.FullText ? PagingRules.Encode(page[^1].CreatedAt, page[^1].Id) : null;
        }

        return new Paged<SearchHitDto>(page.Select(Dto).ToList(), null, next);
    }

    private static SearchHitDto Dto(SearchHitRow row) => row.Kind == "task"
        ? new("task", row.Id, row.CreatedAt, null, null, null, row.Title, SnippetMarkup.ToHtml(row.MarkedSnippet), Name(row.Match))
        : new("message", row.Id, row.CreatedAt, row.SessionId, row.Title, row.Role, null, SnippetMarkup.ToHtml(row.MarkedSnippet), Name(row.Match));

    private static string Name(SearchMatch match) => match == SearchMatch.FullText ? "fulltext" : "similar";
}
