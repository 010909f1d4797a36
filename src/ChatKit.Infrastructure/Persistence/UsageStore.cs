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

    public async Task<AccountUsage> AccountAsync(string userId, DateTime dayStart, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleAsync<AccountRow>(new CommandDefinition(
            """
            SELECT (SELECT coalesce(sum(total_tokens), 0) FROM usage WHERE user_id = @UserId AND created_at >= @DayStart) AS tokens_today,
                   (SELECT coalesce(sum(cost_usd), 0) FROM usage WHERE user_id = @UserId AND created_at >= @DayStart) AS cost_today,
                   (SELECT count(*) FROM sessions WHERE user_id = @UserId) AS sessions,
                   (SELECT count(*) FROM tasks WHERE user_id = @UserId) AS tasks,
                   (SELECT coalesce(sum(size), 0) FROM attachments WHERE user_id = @UserId) AS attachment_bytes
            """,
            new { UserId = userId, DayStart = dayStart },
            cancellationToken: ct)).ConfigureAwait(false);
        return new AccountUsage(row.TokensToday, row.CostToday, (int)row.Sessions, (int)row.Tasks, row.AttachmentBytes);
    }

    internal sealed class AccountRow
    {
        public long TokensToday { get; init; }

        public decimal CostToday { get; init; }

        public long Sessions { get; init; }

        public long Tasks { get; init; }

        public long AttachmentBytes { get; init; }
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
