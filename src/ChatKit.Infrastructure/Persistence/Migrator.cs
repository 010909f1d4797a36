using DbUp;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>Applies the numbered, embedded <c>Migrations/*.sql</c> scripts (DbUp, journal table <c>schemaversions</c>).</summary>
public static class Migrator
{
    // Any fixed number: several instances starting at once take turns instead of racing on the journal.
    private const long MigrationLockKey = 0x43_68_61_74_4B_69_74;

    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, CancellationToken ct)
    {
        // Its own unpooled connections: a one-off job should not pick up a pooled connection that a database
        // restart has already killed.
        connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(ct).ConfigureAwait(false);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockConnection))
        {
            await take.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        var upgrader = DeployChanges.To
            .PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(typeof(Migrator).Assembly, name => name.Contains(".Migrations.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build();
        var result = upgrader.PerformUpgrade();
        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", lockConnection))
        {
            await release.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        if (!result.Successful)
        {
            throw new InvalidOperationException(
                $"Database migration failed in script {result.ErrorScript?.Name}: {result.Error.Message}", result.Error);
        }

        return result.Scripts.Select(s => s.Name).ToList();
    }
}
