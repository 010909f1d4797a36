using System.Text.Json;
using ChatKit.Application.Common;

namespace ChatKit.Api.Controllers;

/// <summary>
/// A native ChatKit request (<c>{"type", "params", "metadata"?}</c>) with typed reads of its params. Unknown keys are
/// ignored, as the reference server's models do; a missing or mistyped param is a <see cref="RequestShapeException"/>
/// naming it, answered as <c>400 VALIDATION_ERROR</c>.
/// </summary>
public sealed class ChatKitRequest
{
    private readonly JsonElement _params;

    private ChatKitRequest(string type, JsonElement parameters)
    {
        Type = type;
        _params = parameters;
    }

    public string Type { get; }

    public static ChatKitRequest Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new RequestShapeException("body", "the body must be a JSON object");
        }

        var type = body.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : throw new RequestShapeException("type", "type is required");
        var parameters = body.TryGetProperty("params", out var p) ? p : default;
        if (parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null))
        {
            throw new RequestShapeException("params", "params must be an object");
        }

        return new ChatKitRequest(type, parameters);
    }

    public string RequiredString(string name) =>
        String(name) is { Length: > 0 } value ? value : throw new RequestShapeException("params." + name, $"{name} is required");

    public string? String(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        _ => throw new RequestShapeException("params." + name, $"{name} must be a string"),
    };

    public int? Int(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out var n) => n,
        _ => throw new RequestShapeException("params." + name, $"{name} must be an integer"),
    };

    public IReadOnlyList<string> RequiredStrings(string name) => Get(name) switch
    {
        { ValueKind: JsonValueKind.Array } v when v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            v.EnumerateArray().Select(e => e.GetString()!).ToList(),
        _ => throw new RequestShapeException("params." + name, $"{name} must be a list of strings"),
    };

    /// <summary>
    /// <c>params.action</c> (<c>{type, payload}</c>): its type and <c>payload.task_id</c>, each null when absent (the use case
    /// names what is missing); anything but an object where an object belongs is refused here.
    /// </summary>
    public (string? Type, string? TaskId) Action()
    {
        if (Get("action") is not { ValueKind: JsonValueKind.Object } action)
        {
            throw new RequestShapeException("params.action", "action must be an object {\"type\", \"payload\"}");
        }

        var type = action.TryGetProperty("type", out var t) ? t.ValueKind == JsonValueKind.String ? t.GetString() : throw new RequestShapeException("params.action.type", "type must be a string") : null;
        var payload = action.TryGetProperty("payload", out var p) && p.ValueKind != JsonValueKind.Null ? p : default;
        if (payload.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw new RequestShapeException("params.action.payload", "payload must be an object");
        }

        var taskId = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("task_id", out var id)
            ? id.ValueKind == JsonValueKind.String ? id.GetString() : throw new RequestShapeException("params.action.payload.task_id", "task_id must be a string")
            : null;
        return (type, taskId);
    }

    /// <summary>
    /// The text of <c>params.input</c> (a <c>UserMessageInput</c>): its <c>input_text</c> parts (and the text of
    /// <c>input_tag</c> mentions) joined with a newline and trimmed, as the REST API joins content parts.
    /// </summary>
    public string InputText()
    {
        var input = Get("input") is { ValueKind: JsonValueKind.Object } i
            ? i
            : throw new RequestShapeException("params.input", "input is required");
        if (!input.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array || content.GetArrayLength() == 0)
        {
            throw new RequestShapeException("params.input.content", "content must hold at least one part");
        }

        if (input.TryGetProperty("attachments", out var attachments) && attachments.ValueKind == JsonValueKind.Array && attachments.GetArrayLength() > 0)
        {
            throw new RequestShapeException("params.input.attachments", "attachments are not offered by this service");
        }

        var parts = new List<string>();
        foreach (var part in content.EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var pt) && pt.ValueKind == JsonValueKind.String
                ? pt.GetString()
                : null;
            if (type is not ("input_text" or "input_tag") || !part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
            {
                throw new RequestShapeException("params.input.content", "each part must be {\"type\":\"input_text\",\"text\":…}");
            }

            parts.Add(text.GetString()!);
        }

        return string.Join('\n', parts).Trim();
    }

    private JsonElement? Get(string name) =>
        _params.ValueKind == JsonValueKind.Object && _params.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;
}

/// <summary>A native request whose shape is wrong; becomes <c>400 VALIDATION_ERROR</c> with the field named.</summary>
public sealed class RequestShapeException : Exception
{
    public RequestShapeException()
    {
    }

    public RequestShapeException(string message)
        : base(message)
    {
    }

    public RequestShapeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RequestShapeException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public string Field { get; } = "body";

    public Error ToError() => Errors.Invalid(Field, Message);
}
