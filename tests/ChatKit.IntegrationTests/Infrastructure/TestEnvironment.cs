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

    /// <summary>Stops or starts the test PostgreSQL or Redis through <c>./build.sh _test-service</c>.</summary>
    public static async Task ControlAsync(string service, string action)
    {
        var script = Require("CHATKIT_TEST_SERVICES");
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", [script, "_test-service", service, action])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{service} {action} failed: {await process.StandardError.ReadToEndAsync()}");
        }
    }

    public static async Task<T?> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = new NpgsqlConnection(DatabaseUrl);
        return await conn.ExecuteScalarAsync<T>(sql, args);
    }
}
