using ChatKit.Application.Common;

namespace ChatKit.Api.ErrorHandling;

/// <summary>
/// Says once that the database became unreachable and once that it is back, instead of a stack trace for every request
/// answered 503 in between (each still has its own request line). A busy pool, a slow statement or a broken deadlock is
/// not an outage: each such request gets one line of its own saying which.
/// </summary>
public sealed partial class DatabaseOutage(ILogger<DatabaseOutage> logger)
{
    private int _down;

    public void Failed(Exception error)
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogDown(logger, error.GetType().Name, error.InnerException?.GetType().Name);
        }
    }

    /// <summary>A request answered 503 although PostgreSQL answers: what it met, on which path (never its query or values).</summary>
    public void Strained(DatabaseTrouble trouble, string path)
    {
        switch (trouble)
        {
            case DatabaseTrouble.PoolExhausted:
                LogPoolExhausted(logger, path);
                break;
            case DatabaseTrouble.StatementTimeout:
                LogStatementTimeout(logger, path);
                break;
            default:
                LogContention(logger, path);
                break;
        }
    }

    /// <summary>An API request (they all reach the database; health probes do not count) was answered.</summary>
    public void Answered(string? route, int status)
    {
        if (status < 500 && route?.StartsWith("api/", StringComparison.Ordinal) == true
            && Volatile.Read(ref _down) == 1 && Interlocked.Exchange(ref _down, 0) == 1)
        {
            LogBack(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL is unreachable ({Error}, {Cause}): requests are answered 503 until it is back")]
    private static partial void LogDown(ILogger logger, string error, string? cause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} answered 503: no database connection within the pool's timeout (all in use, or a new one not accepted in time; PostgreSQL answers, this instance is busy)")]
    private static partial void LogPoolExhausted(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} answered 503: a statement ran past its timeout and was cancelled")]
    private static partial void LogStatementTimeout(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} answered 503: PostgreSQL broke a deadlock or serialization conflict; the client may send it again")]
    private static partial void LogContention(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL is reachable again")]
    private static partial void LogBack(ILogger logger);
}
