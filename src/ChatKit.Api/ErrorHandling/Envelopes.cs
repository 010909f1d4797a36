using System.Text.Json.Serialization;
using ChatKit.Application.Common;

namespace ChatKit.Api.ErrorHandling;

/// <summary><c>{"success": true, "data": …, "meta": …?}</c></summary>
public sealed record SuccessEnvelope(object? Data, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Meta)
{
    [JsonPropertyOrder(-1)]
    public bool Success => true;
}

/// <summary><c>{"success": false, "error": {"code", "message", "details"?, "trace_id"?}}</c></summary>
public sealed record ErrorEnvelope(ErrorBody Error)
{
    [JsonPropertyOrder(-1)]
    public bool Success => false;
}

public sealed record ErrorBody(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ErrorDetail>? Details = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TraceId = null);

/// <summary>The <c>meta</c> of a list: the total and, when paging, the cursor of the next page.</summary>
public sealed record ListMeta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Total,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);
