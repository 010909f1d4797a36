using System.Data;
using System.Text.Json;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Widgets;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>The tasks widgets, as snapshots of the tasks they list; inserted by the turn writer with their step.</summary>
internal sealed class WidgetStore(NpgsqlDataSource dataSource, TimeProvider clock) : IWidgetStore
{
    private const string Columns = "id, session_id, message_id, tasks::text AS tasks, created_at";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<IReadOnlyList<TaskListWidget>> ReadForMessagesAsync(Guid sessionId, IReadOnlyList<Guid> messageIds, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<WidgetRow>(new CommandDefinition(
            $"SELECT {Columns} FROM widgets WHERE session_id = @SessionId AND message_id = ANY(@Ids) ORDER BY message_id, id",
            new { SessionId = sessionId, Ids = messageIds.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToWidget()).OrderBy(w => w.MessageId).ThenBy(w => IndexOf(w.Id)).ToList();
    }

    public async Task<TaskListWidget?> FindAsync(string id, Guid sessionId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<WidgetRow>(new CommandDefinition(
            $"SELECT {Columns} FROM widgets WHERE id = @Id AND session_id = @SessionId",
            new { Id = id, SessionId = sessionId }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToWidget();
    }

    public async Task<TaskListWidget?> UpdateAsync(string id, Guid sessionId, Func<TaskListWidget, TaskListWidget> change, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<WidgetRow>(new CommandDefinition(
            $"SELECT {Columns} FROM widgets WHERE id = @Id AND session_id = @SessionId FOR UPDATE",
            new { Id = id, SessionId = sessionId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var changed = change(row.ToWidget());
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE widgets SET tasks = @Tasks::jsonb, updated_at = @Now WHERE id = @Id",
            new { Id = id, Tasks = JsonSerializer.Serialize(changed.Tasks, Json), Now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return changed;
    }

    /// <summary>Inserts a step's widgets inside the turn writer's transaction (again, after a failed attempt rolled back).</summary>
    public static async Task InsertAsync(NpgsqlConnection conn, IDbTransaction tx, IReadOnlyList<TaskListWidget> widgets, CancellationToken ct)
    {
        foreach (var w in widgets)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO widgets (id, session_id, message_id, tasks, created_at, updated_at)
                VALUES (@Id, @SessionId, @MessageId, @Tasks::jsonb, @CreatedAt, @CreatedAt)
                """,
                new { w.Id, w.SessionId, w.MessageId, Tasks = JsonSerializer.Serialize(w.Tasks, Json), w.CreatedAt },
                tx,
                cancellationToken: ct)).ConfigureAwait(false);
        }
    }

    private static int IndexOf(string widgetId) =>
        StepItemId.TryParse(TaskListWidget.IdPrefix, widgetId, out _, out var index) ? index : 0;

    internal sealed class WidgetRow
    {
        public string Id { get; init; } = string.Empty;

        public Guid SessionId { get; init; }

        public Guid MessageId { get; init; }

        public string Tasks { get; init; } = "[]";

        public DateTime CreatedAt { get; init; }

        public TaskListWidget ToWidget() => new(
            Id, SessionId, MessageId, Rows.Utc(CreatedAt), JsonSerializer.Deserialize<List<WidgetTask>>(Tasks, Json) ?? []);
    }
}
