using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Sessions;
using ChatKit.Domain.Tasks;
using ChatKit.Domain.Text;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Tasks;

/// <summary>The caller's tasks newest first, filtered by status, text, tag and priority, paged by cursor.</summary>
public sealed record ListTasksQuery(
    string UserId, string? Status = null, string? Keyword = null, string? Tag = null, string? Priority = null, int? Limit = null, string? After = null)
    : IQuery<Result<Paged<TaskDto>>>, IPagedQuery;

public sealed class ListTasksValidator : AbstractValidator<ListTasksQuery>
{
    public ListTasksValidator()
    {
        Include(new PagingValidator());
        RuleFor(q => q.Status).Must(s => TaskRules.ParseStatus(s) is not null).WithMessage("status must be all, pending or completed");
        RuleFor(q => q.Priority).Must(p => p is null || TaskRules.ParsePriority(p) is not null).WithMessage("priority must be low, medium or high");
        RuleFor(q => q.Keyword).MaximumLength(TaskRules.MaxTitleLength).Must(StorableText.IsStorable).OverridePropertyName("q")
            .WithMessage("q " + StorableText.UnstorableMessage);
        RuleFor(q => q.Tag).MaximumLength(TaskRules.MaxTagLength).Must(StorableText.IsStorable)
            .WithMessage("tag " + StorableText.UnstorableMessage);
    }
}

public sealed class ListTasksHandler(TaskService tasks) : IQueryHandler<ListTasksQuery, Result<Paged<TaskDto>>>
{
    public async ValueTask<Result<Paged<TaskDto>>> Handle(ListTasksQuery query, CancellationToken cancellationToken)
    {
        var filter = new TaskQuery(
            TaskRules.ParseStatus(query.Status)!.Value,
            query.Keyword,
            query.Tag,
            query.Priority is null ? null : TaskRules.ParsePriority(query.Priority),
            Limit: query.Limit,
            After: query.After);
        var page = await tasks.ListAsync(query.UserId, filter, cancellationToken).ConfigureAwait(false);
        return new Paged<TaskDto>(page.Items.Select(TaskDto.From).ToList(), page.Total, page.NextCursor);
    }
}
