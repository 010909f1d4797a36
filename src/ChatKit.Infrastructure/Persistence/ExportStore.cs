using System.Data;
using System.Runtime.CompilerServices;
using ChatKit.Application.Abstractions;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// The export's lines, built by PostgreSQL (<c>json_build_object</c>) and read one row at a time from a single
/// repeatable-read snapshot, so a 100 000-message export holds one row in memory, not the export. The whole export
/// holds one pooled connection for its length.
/// </summary>
internal sealed class ExportStore(NpgsqlDataSource dataSource) : IExportStore
{
    private const string Sql = """
        SELECT json_build_object('kind', 'session', 'version', 1, 'id', id, 'title', title, 'created_at', created_at,
                                 'updated_at', updated_at)::text
        FROM sessions WHERE user_id = @UserId ORDER BY created_at, id;
        SELECT json_build_object('kind', 'message', 'version', 1, 'id', m.id, 'session_id', m.session_id, 'role', m.role,
                                 'content', m.content, 'tool_calls', m.tool_calls, 'tool_call_id', m.tool_call_id,
                                 'status', m.status, 'created_at', m.created_at, 'model', m.model, 'feedback', m.feedback,
                                 'stopped', m.stopped, 'quoted_text', m.quoted_text)::text
        FROM messages m JOIN sessions s ON s.id = m.session_id
        WHERE s.user_id = @UserId ORDER BY m.session_id, m.created_at, m.id;
        SELECT json_build_object('kind', 'task', 'version', 1, 'id', id, 'title', title, 'description', description,
                                 'completed', completed, 'priority', priority, 'tags', tags, 'created_at', created_at,
                                 'updated_at', updated_at)::text
        FROM tasks WHERE user_id = @UserId ORDER BY created_at, id;
        SELECT json_build_object('kind', 'attachment', 'version', 1, 'id', id, 'session_id', session_id, 'message_id', message_id,
                                 'name', name, 'mime_type', mime_type, 'size', size, 'created_at', created_at)::text
        FROM attachments WHERE user_id = @UserId AND uploaded ORDER BY created_at, id;
        SELECT json_build_object('kind', 'usage', 'version', 1, 'id', id, 'session_id', session_id, 'run_id', run_id, 'model', model,
                                 'prompt_tokens', prompt_tokens, 'completion_tokens', completion_tokens, 'total_tokens', total_tokens,
                                 'cost_usd', cost_usd, 'estimated', estimated, 'created_at', created_at)::text
        FROM usage WHERE user_id = @UserId ORDER BY created_at, id;
        """;

    public async IAsyncEnumerable<string> ReadAsync(string userId, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Sql, conn, tx);
        command.Parameters.AddWithValue("UserId", userId);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct).ConfigureAwait(false);
        do
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                yield return reader.GetString(0);
            }
        }
        while (await reader.NextResultAsync(ct).ConfigureAwait(false));
    }
}
