using System.Data;
using System.Text.Json;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using Dapper;
using Npgsql;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>Reads of a session's messages, ownership checked in the same statement.</summary>
internal sealed class MessageStore(NpgsqlDataSource dataSource) : IMessageStore
{
    public async Task<MessagePage> GetMessagesAsync(Guid sessionId, string userId, int? limit, string? after, CancellationToken ct)
    {
        var hasCursor = PagingRules.TryDecode(after, out var afterAt, out var afterId);
        var sql =
            $"""
            SELECT {Rows.MessageColumns}
            FROM messages m JOIN sessions s ON s.id = m.session_id AND s.user_id = @UserId
            WHERE m.session_id = @SessionId {(hasCursor ? "AND (m.created_at, m.id) > (@AfterAt, @AfterId)" : string.Empty)}
            ORDER BY m.created_at, m.id
            {(limit is null ? string.Empty : "LIMIT @Take")}
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = (await conn.QueryAsync<Rows.MessageRow>(new CommandDefinition(
                sql, new { SessionId = sessionId, UserId = userId, AfterAt = afterAt, AfterId = afterId, Take = limit + 1 },
                cancellationToken: ct)).ConfigureAwait(false))
            .Select(r => r.ToMessage()).ToList();
        var next = Rows.TrimPage(rows, limit, m => PagingRules.Encode(m.CreatedAt, m.Id));
        return new MessagePage(rows, next);
    }

}
