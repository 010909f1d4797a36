using System.Diagnostics;
using System.Text.Json;
using ChatKit.Api.Hosting;
using ChatKit.Application.Common;
using Microsoft.AspNetCore.Mvc;

namespace ChatKit.Api.ErrorHandling;

/// <summary>The one place where failures become HTTP statuses and error envelopes.</summary>
public static class ApiErrors
{
    public const string Unauthorized = "UNAUTHORIZED";
    public const string UnauthorizedMessage = "Could not validate credentials";

    public static int StatusOf(ErrorKind kind) => kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.LimitExceeded => StatusCodes.Status429TooManyRequests,
        ErrorKind.Gone => StatusCodes.Status410Gone,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The code and text of a bare status, for responses the framework ends without a body.</summary>
    public static (string Code, string Message) Describe(int status) => status switch
    {
        400 => (Errors.ValidationCode, "The request is not valid"),
        401 => (Unauthorized, UnauthorizedMessage),
        403 => ("FORBIDDEN", "You do not have access to this resource"),
        404 => ("NOT_FOUND", "No such route"),
        405 => ("METHOD_NOT_ALLOWED", "This method is not allowed on this route"),
        408 => ("REQUEST_TIMEOUT", "The request took too long to arrive"),
        411 => ("LENGTH_REQUIRED", "A Content-Length is required"),
        413 => ("PAYLOAD_TOO_LARGE", "The request body is too large (at most 64 KiB)"),
        415 => ("UNSUPPORTED_MEDIA_TYPE", "Request bodies must be application/json"),
        429 => ("RATE_LIMITED", "Too many requests. Please slow down."),
        503 => ("SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Please retry shortly."),
        >= 500 => ("INTERNAL_ERROR", "An internal error occurred."),
        _ => ("ERROR", "The request failed"),
    };

    public static IActionResult ToActionResult(Error error) =>
        new ErrorResult(new ErrorEnvelope(new ErrorBody(error.Code, error.Message, error.Details)), error.RetryAfter)
        {
            StatusCode = StatusOf(error.Kind),
        };

    /// <summary>The envelope, with <c>Retry-After</c> in whole seconds when the error says when to ask again.</summary>
    private sealed class ErrorResult(ErrorEnvelope envelope, TimeSpan? retryAfter) : ObjectResult(envelope)
    {
        public override void OnFormatting(ActionContext context)
        {
            base.OnFormatting(context);
            if (retryAfter is { } after)
            {
                context.HttpContext.Response.Headers.RetryAfter =
                    Math.Max(1, (long)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }

    public static string TraceIdOf(HttpContext context) =>
        Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;

    /// <summary>Writes an error envelope straight to the response; 5xx answers carry the trace id.</summary>
    public static Task WriteAsync(
        HttpContext context, int status, string? code = null, string? message = null, IReadOnlyList<ErrorDetail>? details = null)
    {
        var (defaultCode, defaultMessage) = Describe(status);
        var body = new ErrorBody(
            code ?? defaultCode, message ?? defaultMessage, details, status >= 500 ? TraceIdOf(context) : null);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, new ErrorEnvelope(body), JsonDefaults.Api, context.RequestAborted);
    }
}
