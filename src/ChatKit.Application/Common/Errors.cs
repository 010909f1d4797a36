namespace ChatKit.Application.Common;

/// <summary>Every expected failure the API can answer with, with the contract's codes and texts.</summary>
public static class Errors
{
    // The codes by name: the API description declares, per endpoint, which of them it can answer.
    public const string ValidationCode = "VALIDATION_ERROR";
    public const string SessionNotFoundCode = "SESSION_NOT_FOUND";
    public const string ForbiddenCode = "FORBIDDEN";
    public const string ThreadNotFoundCode = "THREAD_NOT_FOUND";
    public const string SessionLimitCode = "SESSION_LIMIT";
    public const string MessageLimitCode = "MESSAGE_LIMIT";
    public const string RunInProgressCode = "RUN_IN_PROGRESS";
    public const string NoPendingToolCallCode = "NO_PENDING_TOOL_CALL";
    public const string TaskNotFoundCode = "TASK_NOT_FOUND";
    public const string TaskLimitCode = "TASK_LIMIT";
    public const string ItemNotFoundCode = "ITEM_NOT_FOUND";
    public const string MessageNotFoundCode = "MESSAGE_NOT_FOUND";
    public const string TokenBudgetExceededCode = "TOKEN_BUDGET_EXCEEDED";
    public const string DailyCostLimitCode = "DAILY_COST_LIMIT";
    public const string RunNotFoundCode = "RUN_NOT_FOUND";
    public const string RunNotActiveCode = "RUN_NOT_ACTIVE";
    public const string RunEventsTruncatedCode = "RUN_EVENTS_TRUNCATED";
    public const string UnsupportedRequestCode = "UNSUPPORTED_REQUEST";
    public const string AttachmentNotFoundCode = "ATTACHMENT_NOT_FOUND";
    public const string StorageLimitCode = "STORAGE_LIMIT";
    public const string PayloadTooLargeCode = "PAYLOAD_TOO_LARGE";
    public const string IdempotencyKeyReusedCode = "IDEMPOTENCY_KEY_REUSED";
    public const string IdempotencyKeyInUseCode = "IDEMPOTENCY_KEY_IN_USE";
    public const string TooManyTransfersCode = "TOO_MANY_TRANSFERS";

    public static Error Validation(IReadOnlyList<ErrorDetail> details) =>
        new(ValidationCode, "The request is not valid", ErrorKind.Validation, details);

    public static Error SessionNotFound(string sessionId) =>
        new(SessionNotFoundCode, $"Session {sessionId} not found", ErrorKind.NotFound);

    public static readonly Error Forbidden =
        new(ForbiddenCode, "You do not have access to this session", ErrorKind.Forbidden);

    public static Error ThreadNotFound(string threadId) =>
        new(ThreadNotFoundCode, $"Thread {threadId} not found (must match session ID)", ErrorKind.NotFound);

    public static Error SessionLimit(int max) =>
        new(SessionLimitCode, $"Maximum {max} sessions allowed. Please delete an old session.", ErrorKind.LimitExceeded);

    public static Error MessageLimit(int max) =>
        new(MessageLimitCode, $"Maximum {max} messages per session reached. Please start a new session.", ErrorKind.LimitExceeded);

    public static readonly Error RunInProgress =
        new(RunInProgressCode, "Another reply is still streaming in this session. Wait for it to finish.", ErrorKind.Conflict);

    public static readonly Error ErasureWhileRunning =
        new(RunInProgressCode, "A reply is still being written in one of your sessions. Erase again once it ends (or cancel it).", ErrorKind.Conflict)
        {
            RetryAfter = TimeSpan.FromSeconds(2),
        };

    public static readonly Error NoPendingToolCall =
        new(NoPendingToolCallCode, "No client tool call is waiting for an answer in this thread.", ErrorKind.Conflict);

    public static Error TaskNotFound(string taskId) =>
        new(TaskNotFoundCode, $"Task {taskId} not found", ErrorKind.NotFound);

    public static Error TaskLimit(int max) =>
        new(TaskLimitCode, $"Maximum {max} tasks allowed. Please delete some first.", ErrorKind.LimitExceeded);

    /// <param name="what">What the message must be, for the reader: "a user message on the session's active branch".</param>
    public static Error MessageNotFound(string messageId, string what) =>
        new(MessageNotFoundCode, $"Message {messageId} not found (it must be {what})", ErrorKind.NotFound);

    public static Error ItemNotFound(string itemId) =>
        new(ItemNotFoundCode, $"Item {itemId} not found (it must be a user message of the thread)", ErrorKind.NotFound);

    public static Error TokenBudgetExceeded(int budget, DateTimeOffset resetsAt, TimeSpan retryAfter) =>
        new(TokenBudgetExceededCode, $"You have used your daily budget of {budget} tokens. It resets at {resetsAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC.", ErrorKind.LimitExceeded)
        {
            RetryAfter = retryAfter,
        };

    public static Error DailyCostLimit(TimeSpan retryAfter) =>
        new(DailyCostLimitCode, "The assistant is paused until 00:00 UTC: the daily spending limit was reached.", ErrorKind.Unavailable)
        {
            RetryAfter = retryAfter,
        };

    public static readonly Error RunLogUnreachable =
        new("SERVICE_UNAVAILABLE", "Runs started on other servers cannot be reached right now (the shared run log is unreachable). Retry shortly.", ErrorKind.Unavailable)
        {
            RetryAfter = TimeSpan.FromSeconds(5),
        };

    public static Error RunNotFound(string runId) =>
        new(RunNotFoundCode, $"Run {runId} not found", ErrorKind.NotFound);

    public static Error RunNotActive(string runId) =>
        new(RunNotActiveCode, $"Run {runId} has already ended", ErrorKind.Conflict);

    public static readonly Error RunEventsTruncated =
        new(RunEventsTruncatedCode, "The run's events before that point are no longer kept; reload the session instead", ErrorKind.Gone);

    public static Error UnsupportedRequest(string type) =>
        new(UnsupportedRequestCode, $"{type} is not offered by this service", ErrorKind.Validation);

    public static readonly Error IdempotencyKeyReused =
        new(IdempotencyKeyReusedCode, "This Idempotency-Key was used with another request. Use a new key for a new request.", ErrorKind.Unprocessable);

    public static readonly Error IdempotencyKeyInUse =
        new(IdempotencyKeyInUseCode, "The first request with this Idempotency-Key is still being handled. Try again in a moment.", ErrorKind.Conflict);

    /// <summary>Unknown, another user's, or reached through a link whose signature is wrong or expired: one answer for all.</summary>
    public static Error AttachmentNotFound(string attachmentId) =>
        new(AttachmentNotFoundCode, $"Attachment {attachmentId} not found (or its link has expired)", ErrorKind.NotFound);

    public static Error TooManyTransfers(string why, TimeSpan retryAfter) =>
        new(TooManyTransfersCode, $"Too many uploads, imports and exports at once: {why}. Please retry in a moment.", ErrorKind.LimitExceeded)
        {
            RetryAfter = retryAfter,
        };

    public static Error StorageLimit(long maxBytes) =>
        new(StorageLimitCode, $"Your attachments may take at most {Bytes(maxBytes)}. Delete some, or sessions that hold them, first.", ErrorKind.LimitExceeded);

    public static Error FileTooLarge(long maxBytes) =>
        new(PayloadTooLargeCode, $"The file is too large (at most {Bytes(maxBytes)})", ErrorKind.TooLarge);

    /// <summary>A byte count as people read it: 10 MiB, 512 KiB, 900 bytes.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MiB",
        >= 1024 * 1024 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
        >= 1024 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        _ => $"{bytes} bytes",
    };

    /// <summary>A line of an import that cannot be stored; nothing of the import was.</summary>
    public static Error ImportLine(int line, string reason) =>
        new(ValidationCode, $"Line {line} of the import: {reason}. Nothing was imported.", ErrorKind.Validation, [new ErrorDetail($"line {line}", reason)]);

    public static Error Invalid(string field, string message) => Validation([new ErrorDetail(field, message)]);

    public const string EmptyMessageCode = "EMPTY_MESSAGE";
    public const string EmptyMessageText = "Message text cannot be empty";
    public const string MessageTooLongCode = "MESSAGE_TOO_LONG";

    public static string MessageTooLongText(int max, int received) =>
        $"Message exceeds {max} character limit (received {received})";
}
