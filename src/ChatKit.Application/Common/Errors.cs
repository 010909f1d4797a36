namespace ChatKit.Application.Common;

/// <summary>Every expected failure the API can answer with, with the contract's codes and texts.</summary>
public static class Errors
{
    public const string ValidationCode = "VALIDATION_ERROR";

    public static Error Validation(IReadOnlyList<ErrorDetail> details) =>
        new(ValidationCode, "The request is not valid", ErrorKind.Validation, details);

    public static Error SessionNotFound(string sessionId) =>
        new("SESSION_NOT_FOUND", $"Session {sessionId} not found", ErrorKind.NotFound);

    public static readonly Error Forbidden =
        new("FORBIDDEN", "You do not have access to this session", ErrorKind.Forbidden);

    public static Error ThreadNotFound(string threadId) =>
        new("THREAD_NOT_FOUND", $"Thread {threadId} not found (must match session ID)", ErrorKind.NotFound);

    public static Error SessionLimit(int max) =>
        new("SESSION_LIMIT", $"Maximum {max} sessions allowed. Please delete an old session.", ErrorKind.LimitExceeded);

    public static Error MessageLimit(int max) =>
        new("MESSAGE_LIMIT", $"Maximum {max} messages per session reached. Please start a new session.", ErrorKind.LimitExceeded);

    public static readonly Error RunInProgress =
        new("RUN_IN_PROGRESS", "Another reply is still streaming in this session. Wait for it to finish.", ErrorKind.Conflict);

    public static Error TaskNotFound(string taskId) =>
        new("TASK_NOT_FOUND", $"Task {taskId} not found", ErrorKind.NotFound);

    public static Error TaskLimit(int max) =>
        new("TASK_LIMIT", $"Maximum {max} tasks allowed. Please delete some first.", ErrorKind.LimitExceeded);

    public static Error ItemNotFound(string itemId) =>
        new("ITEM_NOT_FOUND", $"Item {itemId} not found (it must be a user message of the thread)", ErrorKind.NotFound);

    public static Error TokenBudgetExceeded(int budget, DateTimeOffset resetsAt, TimeSpan retryAfter) =>
        new("TOKEN_BUDGET_EXCEEDED", $"You have used your daily budget of {budget} tokens. It resets at {resetsAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.", ErrorKind.LimitExceeded)
        {
            RetryAfter = retryAfter,
        };

    public static Error DailyCostLimit(TimeSpan retryAfter) =>
        new("DAILY_COST_LIMIT", "The assistant is paused until 00:00 UTC: the daily spending limit was reached.", ErrorKind.Unavailable)
        {
            RetryAfter = retryAfter,
        };

    public static Error RunNotFound(string runId) =>
        new("RUN_NOT_FOUND", $"Run {runId} not found", ErrorKind.NotFound);

    public static Error RunNotActive(string runId) =>
        new("RUN_NOT_ACTIVE", $"Run {runId} has already ended", ErrorKind.Conflict);

    public static readonly Error RunEventsTruncated =
        new("RUN_EVENTS_TRUNCATED", "The run's events before that point are no longer kept; reload the session instead", ErrorKind.Gone);

    public static Error UnsupportedRequest(string type) =>
        new("UNSUPPORTED_REQUEST", $"{type} is not offered by this service", ErrorKind.Validation);

    public static Error Invalid(string field, string message) => Validation([new ErrorDetail(field, message)]);

    public const string EmptyMessageCode = "EMPTY_MESSAGE";
    public const string EmptyMessageText = "Message text cannot be empty";
    public const string MessageTooLongCode = "MESSAGE_TOO_LONG";

    public static string MessageTooLongText(int max, int received) =>
        $"Message exceeds {max} character limit (received {received})";
}
