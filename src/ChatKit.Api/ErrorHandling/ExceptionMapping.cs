using System.Data.Common;
using ChatKit.Application.Common;
using ChatKit.Infrastructure.Persistence;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace ChatKit.Api.ErrorHandling;

/// <summary>Unexpected exceptions, framework-ended responses and binding failures, all answered in the envelope.</summary>
public static class ExceptionMapping
{
    /// <summary>The exception handler's delegate: the middleware has logged the exception already.</summary>
    public static Task HandleAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var trouble = Outages.Classify(error);
        var outage = context.RequestServices.GetRequiredService<DatabaseOutage>();
        if (trouble == DatabaseTrouble.Unreachable)
        {
            DatabaseRecovery.Reset(context.RequestServices);
            outage.Failed(error!);
        }
        else if (trouble != DatabaseTrouble.None)
        {
            // PostgreSQL answers; this request waited too long for a connection or a statement. Its own line, no reset.
            outage.Strained(trouble, context.Request.Path);
        }
        else if (IsRefusedData(error))
        {
            // Npgsql 10 records an automatically prepared statement whose first execution PostgreSQL refused at Bind as
            // prepared without its row description; the next request that runs it on that pooled connection fails
            // ("unexpected backend message DataRow"). Nothing the service sends should be refused so (ADR-015); if
            // something still is, the pool's idle connections are replaced rather than left to fail other users.
            DatabaseRecovery.Reset(context.RequestServices);
        }

        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        if (trouble != DatabaseTrouble.None)
        {
            context.Response.Headers.RetryAfter = trouble == DatabaseTrouble.Unreachable ? "5" : "1";
            return ApiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, message: MessageOf(trouble));
        }

        return ApiErrors.WriteAsync(context, StatusOf(error));
    }

    private static string MessageOf(DatabaseTrouble trouble) => trouble switch
    {
        DatabaseTrouble.Unreachable => "The service is temporarily unavailable. Please retry shortly.",
        DatabaseTrouble.StatementTimeout => "The request took too long to answer. Please retry in a moment, or narrow it.",
        _ => "The service is busy. Please retry in a moment.",
    };

    public static int StatusOf(Exception? error) => error switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        _ when Outages.IsDatabaseUnavailable(error) => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// What the exception handler does not log as a crash: an outage (said once by <see cref="DatabaseOutage"/>) and a
    /// client's own fault that Kestrel reports by exception (a body over the limit, a body too slow to arrive). Each still
    /// has its request's log line with its status.
    /// </summary>
    public static bool IsNotACrash(Exception? error) => error is BadHttpRequestException || Outages.IsDatabaseUnavailable(error);

    /// <summary>PostgreSQL refused a value the service sent (SQLSTATE class 22, data exception): a bug, never the user's input.</summary>
    public static bool IsRefusedData(Exception? error) =>
        error is DbException { SqlState: { Length: 5 } state } && state.StartsWith("22", StringComparison.Ordinal);

    /// <summary>Writes the envelope for a 4xx/5xx that the framework ended without a body (404, 405, 415…).</summary>
    public static Task WriteBareStatusAsync(StatusCodeContext context) =>
        ApiErrors.WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode);

    /// <summary>Model binding failures: malformed JSON, wrong types, bad query values. Never framework text about .NET types.</summary>
    public static IActionResult InvalidModelState(ActionContext context)
    {
        var details = context.ModelState
            .Where(e => e.Value is { ValidationState: ModelValidationState.Invalid })
            .SelectMany(e => e.Value!.Errors.Select(err => new Application.Common.ErrorDetail(FieldName(e.Key), Describe(err))))
            .DistinctBy(d => d.Field)
            .ToList();
        var (code, message) = ApiErrors.Describe(StatusCodes.Status400BadRequest);
        return new BadRequestObjectResult(new ErrorEnvelope(new ErrorBody(code, message, details)));
    }

    // System.Text.Json's texts name .NET types and byte offsets; a client needs to know only what is wrong where.
    private static string Describe(ModelError error) =>
        error.Exception is not null || error.ErrorMessage.Contains("LineNumber", StringComparison.Ordinal)
            || error.ErrorMessage.Contains("JSON", StringComparison.Ordinal)
            || error.ErrorMessage.Contains("field is required", StringComparison.Ordinal)
            || error.ErrorMessage.Contains("request body", StringComparison.Ordinal)
            ? "is missing, is not valid JSON, or has the wrong type"
            : error.ErrorMessage;

    private static string FieldName(string key)
    {
        var trimmed = key.StartsWith("$.", StringComparison.Ordinal) ? key[2..] : key.TrimStart('$');
        return trimmed.Length == 0 || trimmed == "body" ? "body" : trimmed;
    }
}
