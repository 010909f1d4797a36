using ChatKit.Application.Abstractions;
using ChatKit.Domain.Attachments;
using ChatKit.Domain.Sessions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// A turn's start transaction, open on its own connection with the session row locked; rolled back when disposed
/// without a commit.
/// </summary>
internal sealed class TurnTransaction(NpgsqlConnection conn, NpgsqlTransaction tx, TurnFacts facts, OpenTurn open, string owner)
    : ITurnTransaction
{
    public TurnFacts Facts { get; } = facts;

    public async Task<IReadOnlyList<ChatMessage>> ReadHistoryAsync(int count, CancellationToken ct)
    {
        if (count <= 0)
        {
            return [];
        }

        return await Rows.ReadRecentAsync(conn, tx, open.SessionId, count, Facts.RetryItem, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Attachment>> LockAttachmentsAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        // Locked until the commit: a message cannot take an attachment another message is taking, nor the sweep delete it.
        var rows = await conn.QueryAsync<AttachmentStore.AttachmentRow>(new CommandDefinition(
            $"SELECT {AttachmentStore.Columns} FROM attachments WHERE id = ANY(@Ids) FOR UPDATE",
            new { Ids = ids.ToArray() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToAttachment()).ToList();
    }

    public async Task<ChatSession> CommitAsync(CommitTurn commit, CancellationToken ct)
    {
        // A retry or an edit first sets aside what followed its item (an edit, the item too): kept as a branch (ADR-027).
        var item = commit.RetryItem;
        var setAside = 0;
        if (item is not null)
        {
            await Branches.LinkUnlinkedAsync(conn, tx, open.SessionId, ct).ConfigureAwait(false);
            setAside = await Branches.SetAsideAsync(conn, tx, item, commit.EditsItem, ct).ConfigureAwait(false);
        }

        // Tool results first (they are not counted), then a start's message, each following the branch's last message.
        foreach (var result in commit.ToolResults)
        {
            await Rows.InsertMessageAsync(conn, tx, result, ct).ConfigureAwait(false);
        }

        if (commit.UserMessage is { } message)
        {
            await Rows.InsertMessageAsync(conn, tx, message, ct).ConfigureAwait(false);
            if (message.Attachments.Count > 0)
            {
                await conn.ExecuteAsync(new CommandDefinition(
                    "UPDATE attachments SET message_id = @MessageId, session_id = @SessionId, position = array_position(@Ids, id) WHERE id = ANY(@Ids)",
                    new { MessageId = message.Id, message.SessionId, Ids = message.Attachments.Select(a => a.Id).ToArray() }, tx, cancellationToken: ct))
                    .ConfigureAwait(false);
            }
        }

        var updated = await conn.QuerySingleAsync<Rows.SessionRow>(new CommandDefinition(
            $"""
            UPDATE sessions
            SET message_count = message_count + @Counted,
                {(commit.UserMessage is null ? string.Empty : "updated_at = GREATEST(updated_at, @Now),")}
                title = COALESCE(@Title, title),
                auto_title = auto_title AND @Title IS NULL,
                run_claim_id = @ClaimId,
                run_owner = @Owner,
                run_cancel_requested = false,
                run_claimed_until = clock_timestamp() + @ClaimLength,
                run_started_at = clock_timestamp(),
                run_background = @Background,
                run_reserved_tokens = @Reserved
            WHERE id = @Id
            RETURNING {Rows.SessionColumns}
            """,
            new
            {
                Id = open.SessionId,
                Now = commit.UserMessage?.CreatedAt,
                Title = commit.NewTitle,
                Counted = (commit.UserMessage is null ? 0 : 1) - setAside,
                commit.ClaimId,
                Owner = owner,
                commit.ClaimLength,
                commit.Background,
                Reserved = commit.ReservedTokens,
            },
            tx,
            cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return updated.ToSession();
    }

    public async ValueTask DisposeAsync()
    {
        await tx.DisposeAsync().ConfigureAwait(false);
        await conn.DisposeAsync().ConfigureAwait(false);
    }
}
