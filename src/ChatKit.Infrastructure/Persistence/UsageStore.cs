using ChatKit.Application.Abstractions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>Reads of the usage ledger, by UTC day and by session.</summary>
internal sealed class UsageStore(NpgsqlDataSource dataSource) : IUsageStore
{
    public async Task<IReadOnlyList<UsageDay>> DaysAsync(string userId, DateOnly from, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<DayRow>(new CommandDefinition(
            """
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(DISTINCT run_id) AS runs,
                   sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
                   sum(total_tokens) AS total_tokens, coalesce(sum(cost_usd), 0) AS cost_usd
            FROM usage
            WHERE user_id = @UserId AND created_at >= @From
            GROUP BY 1 ORDER BY 1
            """,
            new { UserId = userId, From = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) },
            cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new UsageDay(DateOnly.FromDateTime(r.Day), (int)r.Runs, r.PromptTokens, r.CompletionTokens, r.TotalTokens, r.CostUsd)).ToList();
    }

    internal sealed class DayRow
    {
        public DateTime Day { get; init; }

        public long Runs { get; init; }

        public long PromptTokens { get; init; }

        public long CompletionTokens { get; init; }

        public long TotalTokens { get; init; }

        public decimal CostUsd { get; init; }
    }
}
