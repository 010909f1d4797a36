namespace ChatKit.Application.Common;

/// <summary>How an expected failure maps onto the transport; the Api layer turns each kind into one HTTP status.</summary>
public enum ErrorKind
{
    Validation,
    NotFound,
    Forbidden,
    Conflict,
    LimitExceeded,
    Gone,
    Unavailable,

    /// <summary>A body larger than the service takes (413).</summary>
    TooLarge,

    /// <summary>Well formed, but not something the service can do (422).</summary>
    Unprocessable,
}

public sealed record ErrorDetail(string Field, string Message);

public sealed record Error(string Code, string Message, ErrorKind Kind, IReadOnlyList<ErrorDetail>? Details = null)
{
    /// <summary>When asking again makes sense (sent as <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>Implemented by result types so a pipeline behaviour can answer a failure without knowing the payload type.</summary>
public interface IFailable<out TSelf>
{
    static abstract TSelf Fail(Error error);
}

/// <summary>Either a value or an expected <see cref="Error"/>; exceptions are kept for the unexpected.</summary>
public sealed class Result<T> : IFailable<Result<T>>
{
    private readonly T? _value;

    private Result(T? value, Error? error)
    {
        _value = value;
        Error = error;
    }

    public Error? Error { get; }

    public bool IsSuccess => Error is null;

    public T Value => IsSuccess ? _value! : throw new InvalidOperationException($"The result failed with {Error!.Code}.");

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(Error error) => new(default, error);

    public Result<TOut> Map<TOut>(Func<T, TOut> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return IsSuccess ? Result<TOut>.Ok(map(_value!)) : Result<TOut>.Fail(Error!);
    }

#pragma warning disable CA2225 // Ok/Fail are the named alternates.
    public static implicit operator Result<T>(T value) => Ok(value);

    public static implicit operator Result<T>(Error error) => Fail(error);
#pragma warning restore CA2225
}
