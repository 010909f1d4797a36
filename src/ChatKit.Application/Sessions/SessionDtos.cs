using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Sessions;

public sealed record SessionDto(Guid Id, string UserId, string Title, DateTime CreatedAt, DateTime UpdatedAt, int MessageCount)
{
    public static SessionDto From(ChatSession s) => new(s.Id, s.UserId, s.Title, s.CreatedAt, s.UpdatedAt, s.MessageCount);
}

/// <summary>A message's content part; an @-mention (<c>input_tag</c>) also carries its id, data, group and interactive flag.</summary>
public sealed record ContentPartDto(string Type, string Text)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.JsonElement? Data { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Group { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? Interactive { get; init; }

    public static ContentPartDto From(ContentPart c) =>
        new(c.Type, c.Text) { Id = c.Id, Data = c.Data, Group = c.Group, Interactive = c.Interactive };
}

/// <param name="Model">For an assistant message, the model that wrote it; for a user message, the model picked in the composer (null: the default).</param>
public sealed record MessageDto(
    Guid Id,
    string Role,
    IReadOnlyList<ContentPartDto> Content,
    IReadOnlyList<ToolCall>? ToolCalls,
    DateTime CreatedAt,
    string Status,
    string? ToolCallId,
    string? Feedback,
    string? Model)
{
    /// <summary>Where the message stands among its siblings (an edit or a retry kept the others); absent when it has none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public BranchDto? Branch { get; init; }

    /// <summary>A user message's attachments (with fresh signed links); absent on other messages.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Attachments.AttachmentDto>? Attachments { get; init; }

    public static MessageDto From(ChatMessage m, Attachments.AttachmentLinks links) => new(
        m.Id,
        m.Role.ToString().ToLowerInvariant(),
        m.Content.Select(ContentPartDto.From).ToList(),
        m.ToolCalls is { Count: > 0 } ? m.ToolCalls : null,
        m.CreatedAt,
        m.Status.ToString().ToLowerInvariant(),
        m.ToolCallId,
        m.Feedback?.ToString().ToLowerInvariant(),
        m.Model)
    {
        Attachments = m.Role == MessageRole.User ? m.Attachments.Select(links.ToDto).ToList() : null,
        Branch = m.Branch is { } b ? new BranchDto(b.Index, b.Count, b.SiblingIds) : null,
    };
}

/// <summary><c>"branch": {"index", "count", "sibling_ids"}</c>: the message is <c>sibling_ids[index]</c>, oldest first.</summary>
public sealed record BranchDto(int Index, int Count, IReadOnlyList<Guid> SiblingIds);

public sealed record SessionDetailDto(
    Guid Id,
    string UserId,
    string Title,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    int MessageCount,
    ActiveRunDto? ActiveRun,
    SessionUsageDto Usage,
    IReadOnlyList<MessageDto> Messages);

/// <summary>What the session's model calls used, from the ledger.</summary>
public sealed record SessionUsageDto(long PromptTokens, long CompletionTokens, long TotalTokens, decimal CostUsd)
{
    public static SessionUsageDto From(UsageTotals t) => new(t.PromptTokens, t.CompletionTokens, t.TotalTokens, t.CostUsd);
}

/// <summary><c>"active_run": {"id", "started_at", "background"}</c> while a run is going.</summary>
public sealed record ActiveRunDto(Guid Id, DateTime StartedAt, bool Background)
{
    public static ActiveRunDto? From(ActiveRun? run) => run is null ? null : new(run.Id, run.StartedAt, run.Background);
}

public sealed record ThreadDto(Guid Id, Guid SessionId, DateTime CreatedAt);

public sealed record DeletedDto(bool Deleted, Guid SessionId);

/// <summary>A list and the paging facts that go into the envelope's <c>meta</c>.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int? Total, string? NextCursor);

/// <summary>A session's detail and the cursor of its next page of messages, if any.</summary>
public sealed record SessionDetailPage(SessionDetailDto Session, string? NextCursor)
{
    /// <summary>The read as the API shows it, or the 404/403 of a session that is not the caller's.</summary>
    public static Result<SessionDetailPage> From(SessionDetail read, string rawSessionId, Attachments.AttachmentLinks links)
    {
        ArgumentNullException.ThrowIfNull(read);
        var owned = OwnedSession.ToResult(read.Lookup.Access, rawSessionId, read.Lookup.Session);
        if (!owned.IsSuccess)
        {
            return owned.Error!;
        }

        var s = owned.Value;
        var detail = new SessionDetailDto(
            s.Id, s.UserId, s.Title, s.CreatedAt, s.UpdatedAt, s.MessageCount, ActiveRunDto.From(s.ActiveRun), SessionUsageDto.From(read.Usage),
            read.Messages.Items.Select(m => MessageDto.From(m, links)).ToList());
        return new SessionDetailPage(detail, read.Messages.NextCursor);
    }
}
