using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Tasks;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>A user's tasks over Dapper; every statement filters on the user id.</summary>
internal sealed class TaskStore(NpgsqlDataSource dataSource) : ITaskStore
{
    private const string Columns = "id, user_id, title, description, completed, priority, tags, created_at, updated_at";

    public async Task<TaskItem?> GetAsync(Guid taskId, string userId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<TaskRow>(new CommandDefinition(
            $"SELECT {Columns} FROM tasks WHERE id = @Id AND user_id = @UserId",
            new { Id = taskId, UserId = userId }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToTask();
    }

    public async Task<bool> TryAddAsync(TaskItem task, int maxPerUser, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        // Serialises adds per user for the rest of the transaction, so the count below cannot be raced.
        await conn.ExecuteAsync(new CommandDefinition(
            $"SELECT {UserLocks.Tasks}",
            new { task.UserId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var inserted = await conn.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO tasks ({Columns})
            SELECT @Id, @UserId, @Title, @Description, @Completed, @Priority, @Tags, @CreatedAt, @UpdatedAt
            WHERE @Max = 0 OR (SELECT count(*) FROM tasks WHERE user_id = @UserId) < @Max
            """,
            Parameters(task, maxPerUser), tx, cancellationToken: ct)).ConfigureAwait(false);
        if (inserted == 1)
        {
            await RecordToolEffectAsync(conn, tx, task.Id, ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        return inserted == 1;
    }

    /// <summary>The tool call under way, if any, recorded with the change it made (in the change's transaction).</summary>
    private static async Task RecordToolEffectAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid taskId, CancellationToken ct)
    {
        if (ToolCallScope.Current is { } call)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO tool_effects (session_id, call_id, task_id, created_at) VALUES (@SessionId, @CallId, @TaskId, clock_timestamp())
                ON CONFLICT (session_id, call_id) DO NOTHING
                """,
                new { call.SessionId, call.CallId, TaskId = taskId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }
    }

    public async Task<Result<TaskItem>?> UpdateAsync(Guid taskId, string userId, Func<TaskItem, Result<TaskItem>> change, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<TaskRow>(new CommandDefinition(
            $"SELECT {Columns} FROM tasks WHERE id = @Id AND user_id = @UserId FOR UPDATE",
            new { Id = taskId, UserId = userId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var changed = change(row.ToTask());
        if (!changed.IsSuccess)
        {
            return changed;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE tasks SET title = @Title, description = @Description, completed = @Completed, priority = @Priority,
                             tags = @Tags, updated_at = @UpdatedAt
            WHERE id = @Id AND user_id = @UserId
            """,
            Parameters(changed.Value, 0), tx, cancellationToken: ct)).ConfigureAwait(false);
        await RecordToolEffectAsync(conn, tx, taskId, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return changed;
    }

    public async Task<bool> DeleteAsync(Guid taskId, string userId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        if (ToolCallScope.Current is not { } call)
        {
            return await conn.ExecuteAsync(new CommandDefinition(
                "DELETE FROM tasks WHERE id = @Id AND user_id = @UserId",
                new { Id = taskId, UserId = userId }, cancellationToken: ct)).ConfigureAwait(false) == 1;
        }

        // The delete and the record of the tool call that made it, in one statement.
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            WITH gone AS (DELETE FROM tasks WHERE id = @Id AND user_id = @UserId RETURNING id),
            recorded AS (
                INSERT INTO tool_effects (session_id, call_id, task_id, created_at)
                SELECT @SessionId, @CallId, id, clock_timestamp() FROM gone
                ON CONFLICT (session_id, call_id) DO NOTHING)
            SELECT count(*) FROM gone
            """,
            new { Id = taskId, UserId = userId, call.SessionId, call.CallId }, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public async Task<TaskPage> ListAsync(string userId, TaskQuery query, CancellationToken ct)
    {
        var decoded = PagingRules.TryDecode(query.After, out var afterAt, out var afterId);
        var hasCursor = decoded && query.SortBy == TaskSort.CreatedAt && query.Descending;
        var direction = query.Descending ? "DESC" : "ASC";

        // Each order ends with id so equal keys still page and sort the same way every time.
        var order = query.SortBy switch
        {
            TaskSort.UpdatedAt => $"updated_at {direction}, id {direction}",
            TaskSort.Priority => $"CASE priority WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END {direction}, created_at DESC, id DESC",
            TaskSort.Title => $"lower(title) {direction}, id {direction}",
            _ => $"created_at {direction}, id {direction}",
        };
        var filter =
            $"""
            user_id = @UserId
            {(query.Status == TaskStatusFilter.Pending ? "AND NOT completed" : query.Status == TaskStatusFilter.Completed ? "AND completed" : string.Empty)}
            {(string.IsNullOrWhiteSpace(query.Keyword) ? string.Empty : "AND (strpos(lower(title), lower(@Keyword)) > 0 OR strpos(lower(description), lower(@Keyword)) > 0)")}
            {(string.IsNullOrWhiteSpace(query.Tag) ? string.Empty : "AND EXISTS (SELECT 1 FROM unnest(tags) t WHERE lower(t) = lower(@Tag))")}
            {(query.Priority is null ? string.Empty : "AND priority = @Priority")}
            """;
        var sql =
            $"""
            SELECT count(*) FROM tasks WHERE {filter};
            SELECT {Columns} FROM tasks
            WHERE {filter} {(hasCursor ? "AND (created_at, id) < (@AfterAt, @AfterId)" : string.Empty)}
            ORDER BY {order}
            {(query.Limit is null ? string.Empty : "LIMIT @Take")}
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            sql,
            new
            {
                UserId = userId,
                Keyword = query.Keyword?.Trim(),
                Tag = query.Tag?.Trim(),
                Priority = query.Priority is { } p ? TaskRules.Name(p) : null,
                AfterAt = afterAt,
                AfterId = afterId,
                Take = query.Limit + 1,
            },
            cancellationToken: ct)).ConfigureAwait(false);
        var total = await grid.ReadSingleAsync<long>().ConfigureAwait(false);
        var rows = (await grid.ReadAsync<TaskRow>().ConfigureAwait(false)).Select(r => r.ToTask()).ToList();
        var next = Rows.TrimPage(rows, query.Limit, t => PagingRules.Encode(t.CreatedAt, t.Id));
        return new TaskPage(rows, (int)total, next);
    }

    public async Task<IReadOnlyList<TagCount>> ListTagsAsync(string userId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<(string Tag, long Count)>(new CommandDefinition(
            """
            SELECT min(t) AS tag, count(*) AS count
            FROM tasks, unnest(tags) t
            WHERE user_id = @UserId
            GROUP BY lower(t)
            ORDER BY count(*) DESC, lower(t)
            """,
            new { UserId = userId }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => new TagCount(r.Tag, (int)r.Count)).ToList();
    }

    private static object Parameters(TaskItem t, int max) => new
    {
        t.Id,
        t.UserId,
        t.Title,
        t.Description,
        t.Completed,
        Priority = TaskRules.Name(t.Priority),
        Tags = t.Tags.ToArray(),
        t.CreatedAt,
        t.UpdatedAt,
        Max = max,
    };

    internal sealed class TaskRow
    {
        public Guid Id { get; init; }

        public string UserId { get; init; } = string.Empty;

        public string Title { get; init; } = string.Empty;

        public string Description { get; init; } = string.Empty;

        public bool Completed { get; init; }

        public string Priority { get; init; } = "medium";

        public string[] Tags { get; init; } = [];

        public DateTime CreatedAt { get; init; }

        public DateTime UpdatedAt { get; init; }

        public TaskItem ToTask() => new(
            Id, UserId, Title, Description, Completed, TaskRules.ParsePriority(Priority) ?? TaskPriority.Medium, Tags,
            Rows.Utc(CreatedAt), Rows.Utc(UpdatedAt));
    }
}
