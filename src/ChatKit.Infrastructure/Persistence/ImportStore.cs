using ChatKit.Application.Abstractions;
using ChatKit.Application.Import;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// An import in one transaction: the checked lines are copied as they arrive into a temporary table (binary COPY, so the
/// service holds one line at a time), then PostgreSQL checks their references and the limits and stores everything under
/// new ids in a few set-based statements. Any failure rolls all of it back. Sessions, tasks and attachments of the user are
/// locked for its length, as a create of each takes its lock: the caps cannot be raced.
/// </summary>
internal sealed class ImportStore(NpgsqlDataSource dataSource) : IImportStore
{
    // An attachment comes in only with its bytes (its chunks), or when it has none.
    private const string Importable =
        "(a.doc->>'size')::bigint = 0 OR EXISTS (SELECT 1 FROM import_lines c WHERE c.kind = 'attachment_chunk' AND c.doc->>'attachment_id' = a.doc->>'id')";

    public async Task<ImportResult> ImportAsync(string userId, IAsyncEnumerable<ImportLine> lines, ImportLimits limits, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            $"""
            SELECT {UserLocks.Sessions}, {UserLocks.Tasks}, {UserLocks.Attachments};
            CREATE TEMP TABLE import_lines (line integer NOT NULL, kind text NOT NULL, doc jsonb NOT NULL) ON COMMIT DROP;
            """,
            new { UserId = userId }, tx, cancellationToken: ct)).ConfigureAwait(false);

        var skippedUsage = 0;
        await using (var copy = await conn.BeginBinaryImportAsync("COPY import_lines (line, kind, doc) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            await foreach (var line in lines.WithCancellation(ct).ConfigureAwait(false))
            {
                if (line.Kind == ImportLineReader.Usage)
                {
                    skippedUsage++;
                    continue;
                }

                await copy.StartRowAsync(ct).ConfigureAwait(false);
                await copy.WriteAsync(line.Number, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
                await copy.WriteAsync(line.Kind, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                await copy.WriteAsync(line.Json, NpgsqlDbType.Jsonb, ct).ConfigureAwait(false);
            }

            await copy.CompleteAsync(ct).ConfigureAwait(false);
        }

        await conn.ExecuteAsync(new CommandDefinition(
            "CREATE INDEX ON import_lines (kind, (doc->>'id')); CREATE INDEX ON import_lines (kind, (doc->>'parent_id')); ANALYZE import_lines;",
            transaction: tx,
            cancellationToken: ct)).ConfigureAwait(false);
        var problem = await conn.QueryFirstOrDefaultAsync<(int Line, string Reason)?>(new CommandDefinition(
            Problems, new { limits.AttachmentsPerMessage }, tx, cancellationToken: ct))
            .ConfigureAwait(false);
        if (problem is { } bad)
        {
            return new ImportResult(null, ImportRefusal.InvalidLine, bad.Line, bad.Reason);
        }

        // The attachments that come in (with their bytes, or with none), picked once for the storage cap and the store.
        await conn.ExecuteAsync(new CommandDefinition(
            $"""
            CREATE TEMP TABLE import_attachments ON COMMIT DROP AS
                SELECT a.line, a.doc FROM import_lines a WHERE a.kind = 'attachment' AND ({Importable})
            """,
            transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        var totals = await conn.QuerySingleAsync<(long Sessions, long MostMessages, long Tasks, long Bytes)>(new CommandDefinition(
            Totals, new { UserId = userId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        ImportRefusal? refusal = totals switch
        {
            _ when limits.MaxSessions > 0 && totals.Sessions > limits.MaxSessions => ImportRefusal.SessionLimit,
            _ when limits.MaxMessagesPerSession > 0 && totals.MostMessages > limits.MaxMessagesPerSession => ImportRefusal.MessageLimit,
            _ when limits.MaxTasks > 0 && totals.Tasks > limits.MaxTasks => ImportRefusal.TaskLimit,
            _ when limits.AttachmentBytes > 0 && totals.Bytes > limits.AttachmentBytes => ImportRefusal.StorageLimit,
            _ => null,
        };
        if (refusal is not null)
        {
            return new ImportResult(null, refusal);
        }

        var counts = await conn.QuerySingleAsync<(int Sessions, int Messages, int Tasks, int Attachments, int SkippedAttachments)>(
            new CommandDefinition(Store, new { UserId = userId }, tx, cancellationToken: ct, commandTimeout: 0)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new ImportResult(new ImportCounts(counts.Sessions, counts.Messages, counts.Tasks, counts.Attachments, counts.SkippedAttachments, skippedUsage));
    }

    /// <summary>The first line whose reference or id does not hold, and why, in words for the user.</summary>
    /// <remarks>
    /// A message is rooted when its parent is its session (or it has none, as in version 1) or a rooted message of its
    /// session; the walk down from the roots is UNION, so it ends whatever the file holds, and a message it never reaches
    /// sits on a parent cycle (parents that name no message are refused above).
    /// </remarks>
    private const string Problems =
        """
        WITH RECURSIVE rooted AS (
            SELECT doc->>'id' AS id, doc->>'session_id' AS session_id FROM import_lines
            WHERE kind = 'message' AND (doc->>'parent_id' IS NULL OR doc->>'parent_id' = doc->>'session_id')
            UNION
            SELECT c.doc->>'id', r.session_id FROM rooted r
            JOIN import_lines c ON c.kind = 'message' AND c.doc->>'parent_id' = r.id AND c.doc->>'session_id' = r.session_id)
        SELECT line, reason FROM (
            SELECT line, 'id ' || (doc->>'id') || ' is on an earlier line too' AS reason FROM (
                SELECT line, doc, row_number() OVER (PARTITION BY kind, doc->>'id' ORDER BY line) AS n
                FROM import_lines WHERE kind <> 'attachment_chunk') ids WHERE n > 1
            UNION ALL
            SELECT m.line, 'session_id names no session of this file' FROM import_lines m
            WHERE m.kind = 'message' AND NOT EXISTS (
                SELECT 1 FROM import_lines s WHERE s.kind = 'session' AND s.doc->>'id' = m.doc->>'session_id')
            UNION ALL
            SELECT m.line, 'parent_id names neither its session nor a message of that session' FROM import_lines m
            WHERE m.kind = 'message' AND m.doc->>'parent_id' IS NOT NULL AND m.doc->>'parent_id' <> m.doc->>'session_id'
              AND NOT EXISTS (
                SELECT 1 FROM import_lines p
                WHERE p.kind = 'message' AND p.doc->>'id' = m.doc->>'parent_id' AND p.doc->>'session_id' = m.doc->>'session_id')
            UNION ALL
            SELECT a.line, 'session_id names no session of this file' FROM import_lines a
            WHERE a.kind = 'attachment' AND a.doc->>'session_id' IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM import_lines s WHERE s.kind = 'session' AND s.doc->>'id' = a.doc->>'session_id')
            UNION ALL
            SELECT a.line, 'message_id names no message of this file' FROM import_lines a
            WHERE a.kind = 'attachment' AND a.doc->>'message_id' IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM import_lines m WHERE m.kind = 'message' AND m.doc->>'id' = a.doc->>'message_id')
            UNION ALL
            SELECT c.line, 'attachment_id names no attachment of this file' FROM import_lines c
            WHERE c.kind = 'attachment_chunk' AND NOT EXISTS (
                SELECT 1 FROM import_lines a WHERE a.kind = 'attachment' AND a.doc->>'id' = c.doc->>'attachment_id')
            UNION ALL
            SELECT line, 'seq ' || (doc->>'seq') || ' of this attachment is on an earlier line too' FROM (
                SELECT line, doc, row_number() OVER (PARTITION BY doc->>'attachment_id', doc->>'seq' ORDER BY line) AS n
                FROM import_lines WHERE kind = 'attachment_chunk') chunks WHERE n > 1
            UNION ALL
            SELECT a.line, 'size is ' || (a.doc->>'size') || ' bytes but its chunks hold ' || b.bytes FROM import_lines a
            JOIN (SELECT doc->>'attachment_id' AS id, sum(length(decode(doc->>'data', 'base64'))) AS bytes
                  FROM import_lines WHERE kind = 'attachment_chunk' GROUP BY 1) b ON b.id = a.doc->>'id'
            WHERE a.kind = 'attachment' AND b.bytes <> (a.doc->>'size')::bigint
            UNION ALL
            SELECT a.line, 'its chunks skip a seq: they must be numbered 0 to ' || (b.chunks - 1) FROM import_lines a
            JOIN (SELECT doc->>'attachment_id' AS id, count(*) AS chunks, max((doc->>'seq')::integer) AS last
                  FROM import_lines WHERE kind = 'attachment_chunk' GROUP BY 1) b ON b.id = a.doc->>'id'
            WHERE a.kind = 'attachment' AND b.last <> b.chunks - 1
            UNION ALL
            SELECT min(line), 'message ' || (doc->>'message_id') || ' has ' || count(*) || ' attachments; a message may have at most '
                   || @AttachmentsPerMessage
            FROM import_lines WHERE kind = 'attachment' AND doc->>'message_id' IS NOT NULL
            GROUP BY doc->>'message_id' HAVING count(*) > @AttachmentsPerMessage
            UNION ALL
            SELECT m.line, 'parent_id leads round in a cycle: the message is its own ancestor' FROM import_lines m
            WHERE m.kind = 'message' AND NOT EXISTS (SELECT 1 FROM rooted r WHERE r.id = m.doc->>'id' AND r.session_id = m.doc->>'session_id')
        ) problems
        ORDER BY line LIMIT 1
        """;

    /// <summary>What the account would hold: sessions, the most active messages of one session, tasks, attachment bytes.</summary>
    private const string Totals =
        """
        SELECT (SELECT count(*) FROM sessions WHERE user_id = @UserId) + (SELECT count(*) FROM import_lines WHERE kind = 'session'),
               (SELECT coalesce(max(n), 0) FROM (
                    SELECT count(*) AS n FROM import_lines
                    WHERE kind = 'message' AND (doc->>'active')::boolean AND doc->>'role' IN ('user', 'assistant')
                    GROUP BY doc->>'session_id') per_session),
               (SELECT count(*) FROM tasks WHERE user_id = @UserId) + (SELECT count(*) FROM import_lines WHERE kind = 'task'),
               (SELECT coalesce(sum(size), 0) FROM attachments WHERE user_id = @UserId)
                 + (SELECT coalesce(sum((doc->>'size')::bigint), 0) FROM import_attachments)
        """;

    /// <summary>Everything under new ids, references following them; the counts of what was stored and left out.</summary>
    private const string Store =
        """
        CREATE TEMP TABLE import_ids ON COMMIT DROP AS
            SELECT kind, doc->>'id' AS old_id, gen_random_uuid() AS new_id
            FROM import_lines WHERE kind IN ('session', 'message', 'task', 'attachment');
        CREATE INDEX ON import_ids (kind, old_id);

        INSERT INTO sessions (id, user_id, title, auto_title, created_at, updated_at, message_count, branched)
        SELECT i.new_id, @UserId, s.doc->>'title', false, (s.doc->>'created_at')::timestamptz, (s.doc->>'updated_at')::timestamptz,
               coalesce(c.counted, 0), coalesce(c.branched, false)
        FROM import_lines s
        JOIN import_ids i ON i.kind = 'session' AND i.old_id = s.doc->>'id'
        LEFT JOIN (
            SELECT doc->>'session_id' AS session_id,
                   count(*) FILTER (WHERE (doc->>'active')::boolean AND doc->>'role' IN ('user', 'assistant')) AS counted,
                   bool_or(NOT (doc->>'active')::boolean) AS branched
            FROM import_lines WHERE kind = 'message' GROUP BY 1) c ON c.session_id = s.doc->>'id'
        WHERE s.kind = 'session';

        INSERT INTO messages (id, session_id, user_id, search, role, content, tool_calls, status, created_at, model, tool_call_id, feedback,
                              stopped, quoted_text, parent_id, active, selected, attachment_count)
        SELECT i.new_id, si.new_id, @UserId, message_search_vector(m.doc->>'role', m.doc->'content'), m.doc->>'role', m.doc->'content',
               CASE WHEN jsonb_typeof(m.doc->'tool_calls') = 'array' THEN m.doc->'tool_calls' END,
               m.doc->>'status', (m.doc->>'created_at')::timestamptz, m.doc->>'model', m.doc->>'tool_call_id', m.doc->>'feedback',
               (m.doc->>'stopped')::boolean, m.doc->>'quoted_text',
               CASE WHEN m.doc->>'parent_id' = m.doc->>'session_id' THEN si.new_id ELSE pi.new_id END,
               (m.doc->>'active')::boolean, (m.doc->>'selected')::boolean, coalesce(ac.n, 0)
        FROM import_lines m
        JOIN import_ids i ON i.kind = 'message' AND i.old_id = m.doc->>'id'
        JOIN import_ids si ON si.kind = 'session' AND si.old_id = m.doc->>'session_id'
        LEFT JOIN import_ids pi ON pi.kind = 'message' AND pi.old_id = m.doc->>'parent_id'
        LEFT JOIN (SELECT doc->>'message_id' AS message_id, count(*) AS n FROM import_attachments GROUP BY 1) ac ON ac.message_id = m.doc->>'id'
        WHERE m.kind = 'message';

        INSERT INTO tasks (id, user_id, title, description, completed, priority, tags, created_at, updated_at)
        SELECT i.new_id, @UserId, t.doc->>'title', t.doc->>'description', (t.doc->>'completed')::boolean, t.doc->>'priority',
               ARRAY(SELECT jsonb_array_elements_text(t.doc->'tags')), (t.doc->>'created_at')::timestamptz, (t.doc->>'updated_at')::timestamptz
        FROM import_lines t JOIN import_ids i ON i.kind = 'task' AND i.old_id = t.doc->>'id'
        WHERE t.kind = 'task';

        INSERT INTO attachments (id, user_id, name, mime_type, size, uploaded, created_at, session_id, message_id, position)
        SELECT i.new_id, @UserId, a.doc->>'name', a.doc->>'mime_type', (a.doc->>'size')::bigint, true, (a.doc->>'created_at')::timestamptz,
               si.new_id, mi.new_id,
               CASE WHEN mi.new_id IS NOT NULL THEN row_number() OVER (PARTITION BY a.doc->>'message_id' ORDER BY a.line)::smallint END
        FROM import_attachments a
        JOIN import_ids i ON i.kind = 'attachment' AND i.old_id = a.doc->>'id'
        LEFT JOIN import_ids si ON si.kind = 'session' AND si.old_id = a.doc->>'session_id'
        LEFT JOIN import_ids mi ON mi.kind = 'message' AND mi.old_id = a.doc->>'message_id';

        INSERT INTO attachment_chunks (attachment_id, seq, data)
        SELECT i.new_id, (c.doc->>'seq')::integer, decode(c.doc->>'data', 'base64')
        FROM import_lines c JOIN import_ids i ON i.kind = 'attachment' AND i.old_id = c.doc->>'attachment_id'
        WHERE c.kind = 'attachment_chunk';

        SELECT (SELECT count(*) FROM import_ids WHERE kind = 'session')::int,
               (SELECT count(*) FROM import_ids WHERE kind = 'message')::int,
               (SELECT count(*) FROM import_ids WHERE kind = 'task')::int,
               (SELECT count(*) FROM import_attachments)::int,
               ((SELECT count(*) FROM import_ids WHERE kind = 'attachment') - (SELECT count(*) FROM import_attachments))::int;
        """;
}
