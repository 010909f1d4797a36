namespace ChatKit.Api.ErrorHandling;

/// <summary>
/// Says once that the database became unreachable and once that it is back, instead of a stack trace for every request
/// answered 503 in between (each still has its own request line).
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL is reachable again")]
    private static partial void LogBack(ILogger logger);
}
