using Dapper;
using Npgsql;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>
/// The real services the tests need, started by <c>./build.sh test</c>. A missing one fails the run:
/// a test that silently skips is not a passing test.
/// </summary>
public static class TestEnvironment
{
    public static string DatabaseUrl => Require("CHATKIT_TEST_DATABASE_URL");

    public static string RedisUrl => Require("CHATKIT_TEST_REDIS_URL");

    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with ./build.sh test, which starts PostgreSQL and Redis.");

    public static async Task<T?> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = new NpgsqlConnection(DatabaseUrl);
        return await conn.ExecuteScalarAsync<T>(sql, args);
    }
}
