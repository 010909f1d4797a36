using FluentValidation;

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
