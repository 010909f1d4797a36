using System.Data.Common;
using System.Net.Sockets;

namespace ChatKit.Application.Common;

/// <summary>What kind of trouble a database failure is; each is answered and logged differently (docs/operations.md).</summary>
public enum DatabaseTrouble
{
    /// <summary>Not a database failure the caller can wait out: a bug, or a refusal of the data.</summary>
    None,

    /// <summary>PostgreSQL cannot be reached or is shutting down: an outage, said once, the pool reset.</summary>
    Unreachable,

    /// <summary>
    /// No connection within the pool's timeout: every pooled one in use, or a new one not accepted in time (a burst of
    /// connects on a loaded server). This instance is busy; PostgreSQL answers.
    /// </summary>
    PoolExhausted,

    /// <summary>A statement ran past its timeout (or was cancelled by the server): that request alone.</summary>
    StatementTimeout,

    /// <summary>A deadlock or a serialization failure PostgreSQL broke: that request alone, safe to send again.</summary>
    Contention,
}

/// <summary>Tells an outage from a busy pool, a slow statement or a bug, wherever a database failure is caught.</summary>
public static class Outages
{
    // Npgsql's text for a connection the pool could not hand out within its Timeout (PoolingDataSource); no type tells it.
    private const string PoolExhaustedText = "The connection pool has been exhausted";

    // Npgsql's text for a connection attempt refused or unroutable: the server, not a statement.
    private const string ConnectFailedText = "Failed to connect";

    // Npgsql's text for a command whose timeout came while it read or wrote ("Exception while reading from stream").
    private const string StreamTimeoutText = "Exception while ";

    /// <summary>The trouble <paramref name="error"/> (or one of its inner exceptions) is.</summary>
    public static DatabaseTrouble Classify(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException:
                    return DatabaseTrouble.Unreachable;
                case DbException { SqlState: "57014" }:
                    return DatabaseTrouble.StatementTimeout;
                case DbException { SqlState: "40P01" or "40001" }:
                    return DatabaseTrouble.Contention;
                case DbException db when db.Message.StartsWith(PoolExhaustedText, StringComparison.Ordinal):
                    return DatabaseTrouble.PoolExhausted;
                case DbException db when db.Message.StartsWith(ConnectFailedText, StringComparison.Ordinal):
                    return DatabaseTrouble.Unreachable;
                case DbException { IsTransient: true, InnerException: TimeoutException } db
                    when db.Message.StartsWith(StreamTimeoutText, StringComparison.Ordinal):
                    return DatabaseTrouble.StatementTimeout; // the client-side command timeout, met reading or writing
                case DbException { IsTransient: true, InnerException: TimeoutException }:
                    return DatabaseTrouble.PoolExhausted; // a new connection not established in time: PostgreSQL is slow to accept
                case DbException { IsTransient: true }:
                    return DatabaseTrouble.Unreachable;
            }
        }

        return DatabaseTrouble.None;
    }

    /// <summary>A database failure worth waiting out (any trouble but a bug); answered 503 with <c>Retry-After</c>.</summary>
    public static bool IsDatabaseUnavailable(Exception? error) => Classify(error) != DatabaseTrouble.None;
}
