using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// After the database was unreachable, the pool's idle connections may all be dead (a restart kills them),
/// and each would fail one more request. Clearing the pool at the first failure makes the next request
/// open a fresh connection, so the service recovers as soon as the database is back.
/// </summary>
public static class DatabaseRecovery
{
    public static void Reset(NpgsqlDataSource dataSource) => dataSource.Clear();

    public static void Reset(IServiceProvider services)
    {
        if (services.GetService<NpgsqlDataSource>() is { } dataSource)
        {
            Reset(dataSource);
        }
    }
}
