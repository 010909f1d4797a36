using ChatKit.Application.Common;
using FluentValidation;
using FluentValidation.Results;
using Mediator;

namespace ChatKit.Application.Behaviors;

/// <summary>
/// Runs the message's FluentValidation validators before its handler and answers the first failing rule
/// as an <see cref="Error"/> value. Validators stop at their first failing rule, so the order of the rules
/// is the order of the contract's checks; shape failures carry the code <c>VALIDATION_ERROR</c>, the
/// rules with a contract code of their own (<c>EMPTY_MESSAGE</c>…) set it with <c>WithErrorCode</c>.
/// </summary>
public sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private readonly IValidator<TMessage>[] _validators = validators.ToArray();

    public async ValueTask<TResponse> Handle(
        TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        foreach (var validator in _validators)
        {
            var result = await validator.ValidateAsync(message, cancellationToken).ConfigureAwait(false);
            if (!result.IsValid)
            {
                return FailureFactory<TResponse>.Create(ValidationErrors.ToError(result.Errors));
            }
        }

        return await next(message, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Builds a failed <c>Result&lt;T&gt;</c> for a response type only known as a type parameter.</summary>
internal static class FailureFactory<TResponse>
{
    private static readonly Func<Error, TResponse> Factory = Build();

    public static TResponse Create(Error error) => Factory(error);

    private static Func<Error, TResponse> Build()
    {
        var isFailable = typeof(TResponse).GetInterfaces()
            .Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IFailable<>));
        if (!isFailable)
        {
            return _ => throw new InvalidOperationException(
                $"{typeof(TResponse).Name} has validators but is not a Result type; validated messages must answer Result<T>.");
        }

        var method = typeof(TResponse).GetMethod(nameof(IFailable<object>.Fail), [typeof(Error)])!;
        return method.CreateDelegate<Func<Error, TResponse>>();
    }
}

/// <summary>
/// Turns FluentValidation failures into the one <see cref="Error"/> the API answers: the first failure's own contract
/// code when it has one, else <c>VALIDATION_ERROR</c> with a detail per failure.
/// </summary>
public static class ValidationErrors
{
    public static Error ToError(IReadOnlyList<ValidationFailure> failures)
    {
        var first = failures[0];
        if (IsContractCode(first.ErrorCode))
        {
            return new Error(first.ErrorCode, first.ErrorMessage, ErrorKind.Validation);
        }

        return Errors.Validation(failures.Select(f => new ErrorDetail(ToSnakeCase(f.PropertyName), f.ErrorMessage)).ToList());
    }

    // FluentValidation's own codes are validator names such as "NotEmptyValidator"; ours are UPPER_SNAKE.
    private static bool IsContractCode(string code) =>
        code.Length > 0 && code != Errors.ValidationCode && code.All(c => char.IsAsciiLetterUpper(c) || c == '_');

    /// <summary>
    /// Fails a custom rule on a field named as the request spells it (e.g. <c>params.input.inference_options.model</c>), with
    /// the plain <c>VALIDATION_ERROR</c> code (a failure added without one would carry no code at all).
    /// </summary>
    public static void AddFieldFailure<T>(this ValidationContext<T> context, string field, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.AddFailure(new ValidationFailure(field, message) { ErrorCode = Errors.ValidationCode });
    }

    public static string ToSnakeCase(string propertyPath) =>
        string.Join('.', propertyPath.Split('.').Select(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName));
}
