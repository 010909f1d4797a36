using FluentValidation;

namespace ChatKit.Application.Common;

/// <summary>A query that pages by keyset: at most <see cref="Limit"/> rows after the opaque <see cref="After"/> cursor.</summary>
public interface IPagedQuery
{
    int? Limit { get; }

    string? After { get; }
}

/// <summary>The paging rules every paged query shares; its validators <c>Include</c> this one.</summary>
public sealed class PagingValidator : AbstractValidator<IPagedQuery>
{
    public PagingValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, PagingRules.MaxLimit).When(q => q.Limit is not null)
            .WithMessage($"limit must be between 1 and {PagingRules.MaxLimit}");
        RuleFor(q => q.After).Must(PagingRules.IsWellFormedCursor).WithMessage("after is not a valid cursor");
    }
}
