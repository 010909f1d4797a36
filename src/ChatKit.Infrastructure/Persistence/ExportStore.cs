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
    private const string SqlTemplate = """
        SELECT json_build_object('kind', 'session', 'version', 2, 'id', id, 'title', title, 'created_at', created_at,
                                 'updated_at', updated_at)::text
        FROM sessions WHERE user_id = @UserId ORDER BY created_at, id;
        SELECT json_build_object('kind', 'message', 'version', 2, 'id', m.id, 'session_id', m.session_id, 'role', m.role,
                                 'content', m.content, 'tool_calls', m.tool_calls, 'tool_call_id', m.tool_call_id,
                                 'status', m.status, 'created_at', m.created_at, 'model', m.model, 'feedback', m.feedback,
                                 'stopped', m.stopped, 'quoted_text', m.quoted_text,
                                 'parent_id', m.parent_id, 'active', m.active, 'selected', m.selected)::text
        FROM messages m JOIN sessions s ON s.id = m.session_id
        WHERE s.user_id = @UserId ORDER BY s.created_at, s.id, m.created_at, m.id;
        SELECT json_build_object('kind', 'task', 'version', 2, 'id', id, 'title', title, 'description', description,
                                 'completed', completed, 'priority', priority, 'tags', tags, 'created_at', created_at,
                                 'updated_at', updated_at)::text
        FROM tasks WHERE user_id = @UserId ORDER BY created_at, id;
        SELECT json_build_object('kind', 'attachment', 'version', 2, 'id', id, 'session_id', session_id, 'message_id', message_id,
                                 'name', name, 'mime_type', mime_type, 'size', size, 'created_at', created_at)::text
        FROM attachments WHERE user_id = @UserId AND uploaded ORDER BY created_at, id;
        {0}
        SELECT json_build_object('kind', 'usage', 'version', 2, 'id', id, 'session_id', session_id, 'run_id', run_id, 'model', model,
                                 'prompt_tokens', prompt_tokens, 'completion_tokens', completion_tokens, 'total_tokens', total_tokens,
                                 'cost_usd', cost_usd, 'estimated', estimated, 'created_at', created_at)::text
        FROM usage WHERE user_id = @UserId ORDER BY created_at, id;
        """;

    // An attachment's bytes as its stored chunks (at most 256 KiB each), one line each: a line never holds a whole file.
    private const string Chunks = """
        SELECT json_build_object('kind', 'attachment_chunk', 'version', 2, 'attachment_id', c.attachment_id, 'seq', c.seq,
                                 'data', translate(encode(c.data, 'base64'), E'\n', ''))::text
        FROM attachment_chunks c JOIN attachments a ON a.id = c.attachment_id
        WHERE a.user_id = @UserId AND a.uploaded ORDER BY a.created_at, a.id, c.seq;
        """;

    private static readonly string WithoutBytes = string.Format(null, SqlTemplate, string.Empty);
    private static readonly string WithBytes = string.Format(null, SqlTemplate, Chunks);

    public async IAsyncEnumerable<string> ReadAsync(string userId, bool withAttachmentBytes, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(withAttachmentBytes ? WithBytes : WithoutBytes, conn, tx);
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
