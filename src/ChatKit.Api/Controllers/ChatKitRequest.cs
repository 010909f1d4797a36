using System.Text.Json;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Text;

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
            ? Text(t, "type")
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
        { ValueKind: JsonValueKind.String } v => Text(v, "params." + name),
        _ => throw new RequestShapeException("params." + name, $"{name} must be a string"),
    };

    /// <summary>
    /// A param of any JSON value, as its text; absent or null is refused naming it, and so is a string anywhere in it
    /// that cannot be read back (it would be stored, then fail every later read of the thread).
    /// </summary>
    public string RequiredJson(string name)
    {
        var value = Get(name) ?? throw new RequestShapeException("params." + name, $"{name} is required");
        return JsonStrings.FindUnreadable(value, "params." + name) is { } bad
            ? throw new RequestShapeException(bad, $"{bad} {StorableText.UnstorableMessage}")
            : value.GetRawText();
    }

    public int? Int(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out var n) => n,
        _ => throw new RequestShapeException("params." + name, $"{name} must be an integer"),
    };

    public long? Long(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v when v.TryGetInt64(out var n) => n,
        _ => throw new RequestShapeException("params." + name, $"{name} must be an integer"),
    };

    public IReadOnlyList<string> RequiredStrings(string name) => Get(name) switch
    {
        { ValueKind: JsonValueKind.Array } v when v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            v.EnumerateArray().Select((e, i) => Text(e, $"params.{name}[{i}]")).ToList(),
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

        var type = action.TryGetProperty("type", out var t) ? t.ValueKind == JsonValueKind.String ? Text(t, "params.action.type") : throw new RequestShapeException("params.action.type", "type must be a string") : null;
        var payload = action.TryGetProperty("payload", out var p) && p.ValueKind != JsonValueKind.Null ? p : default;
        if (payload.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw new RequestShapeException("params.action.payload", "payload must be an object");
        }

        var taskId = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("task_id", out var id)
            ? id.ValueKind == JsonValueKind.String ? Text(id, "params.action.payload.task_id") : throw new RequestShapeException("params.action.payload.task_id", "task_id must be a string")
            : null;
        return (type, taskId);
    }

    /// <summary>
    /// <c>params.input</c> (a <c>UserMessageInput</c>) as sent: its <c>input_text</c> and <c>input_tag</c> parts in order,
    /// its <c>attachments</c> (ids), <c>quoted_text</c>, and <c>inference_options</c> (<c>model</c>, <c>tool_choice.id</c>). A wrong shape names its field.
    /// </summary>
    public UserInput Input()
    {
        var input = Get("input") is { ValueKind: JsonValueKind.Object } i
            ? i
            : throw new RequestShapeException("params.input", "input is required");
        if (!input.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array || content.GetArrayLength() == 0)
        {
            throw new RequestShapeException("params.input.content", "content must hold at least one part");
        }

        IReadOnlyList<string> attachmentIds = !input.TryGetProperty("attachments", out var attachments) || attachments.ValueKind == JsonValueKind.Null ? []
            : attachments.ValueKind == JsonValueKind.Array && attachments.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String)
                ? attachments.EnumerateArray().Select((a, n) => Text(a, $"params.input.attachments[{n}]")).ToList()
                : throw new RequestShapeException("params.input.attachments", "attachments must be a list of attachment ids");

        var parts = content.EnumerateArray().Select(Part).ToList();
        var quoted = OptionalString(input, "quoted_text", "params.input.quoted_text");
        string? model = null, tool = null;
        if (input.TryGetProperty("inference_options", out var options) && options.ValueKind != JsonValueKind.Null)
        {
            if (options.ValueKind != JsonValueKind.Object)
            {
                throw new RequestShapeException("params.input.inference_options", "inference_options must be an object");
            }

            model = OptionalString(options, "model", "params.input.inference_options.model");
            if (options.TryGetProperty("tool_choice", out var choice) && choice.ValueKind != JsonValueKind.Null)
            {
                tool = choice.ValueKind == JsonValueKind.Object
                    ? OptionalString(choice, "id", "params.input.inference_options.tool_choice.id")
                    : throw new RequestShapeException("params.input.inference_options.tool_choice", "tool_choice must be {\"id\": …}");
            }
        }

        return UserInput.Of(parts, quoted, model, tool) with { AttachmentIds = attachmentIds };
    }

    /// <summary>One content part: <c>{"type":"input_text","text"}</c> or <c>{"type":"input_tag","id","text","data",…}</c>.</summary>
    private static ContentPart Part(JsonElement part)
    {
        const string Field = "params.input.content";
        var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var pt) && pt.ValueKind == JsonValueKind.String
            ? Text(pt, Field + ".type")
            : null;
        if (type is not (ContentPart.InputText or ContentPart.InputTag) || !part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
        {
            throw new RequestShapeException(Field, "each part must be {\"type\":\"input_text\",\"text\":…} or an input_tag");
        }

        if (type == ContentPart.InputText)
        {
            return new ContentPart(type, Text(text, Field + ".text"));
        }

        var id = OptionalString(part, "id", Field + ".id");
        if (string.IsNullOrEmpty(id))
        {
            throw new RequestShapeException(Field + ".id", "an input_tag needs its id");
        }

        var data = part.TryGetProperty("data", out var d) && d.ValueKind != JsonValueKind.Null ? d : default;
        if (data.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw new RequestShapeException(Field + ".data", "an input_tag's data must be an object");
        }

        if (data.ValueKind == JsonValueKind.Object && JsonStrings.FindUnreadable(data, Field + ".data") is { } bad)
        {
            throw new RequestShapeException(bad, $"{bad} {StorableText.UnstorableMessage}");
        }

        bool? interactive = part.TryGetProperty("interactive", out var flag) ? flag.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new RequestShapeException(Field + ".interactive", "interactive must be true or false"),
        } : false;
        return new ContentPart(type, Text(text, Field + ".text"))
        {
            Id = id,
            Data = data.ValueKind == JsonValueKind.Object ? data.Clone() : ContentPart.EmptyData,
            Group = OptionalString(part, "group", Field + ".group"),
            Interactive = interactive,
        };
    }

    private static string? OptionalString(JsonElement owner, string name, string field) =>
        !owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? Text(value, field)
        : throw new RequestShapeException(field, $"{name} must be a string");

    /// <summary>Every string of a request is read here: one that cannot be read back or stored is refused naming its field.</summary>
    private static string Text(JsonElement value, string field) =>
        JsonStrings.TryRead(value, out var text) ? text : throw new RequestShapeException(field, $"{field} {StorableText.UnstorableMessage}");

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
