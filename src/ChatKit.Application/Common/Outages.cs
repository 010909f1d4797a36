using System.Data.Common;
using System.Net.Sockets;

namespace ChatKit.Application.Common;

/// <summary>Tells an outage (a database that cannot be reached or is shutting down) from a bug, wherever one is caught.</summary>
public static class Outages
{
    /// <summary>A database that cannot be reached or is shutting down (not a bug in a query).</summary>
    public static bool IsDatabaseUnavailable(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is DbException { IsTransient: true } or SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
