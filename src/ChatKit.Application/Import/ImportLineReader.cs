using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Tasks;
using ChatKit.Domain.Text;

namespace ChatKit.Application.Import;

/// <summary>
/// Reads an export (docs/export-format.md, version 1 or 2) a line at a time as it arrives and checks each line on its
/// own: JSON, a known kind, every field the import uses of the right type and within the service's limits. Each line is
/// passed on rebuilt from those fields only (what PostgreSQL would refuse never reaches it); a bad line stops the read
/// with an <see cref="ImportLineException"/> naming it. References between lines are the store's to check.
/// </summary>
public static class ImportLineReader
{
    /// <summary>The longest line taken: an attachment chunk (256 KiB as base64) with room to spare, or a long message.</summary>
    public const int MaxLineBytes = 1024 * 1024;

    /// <summary>The kinds a line may have after the header; <c>usage</c> lines are read and left out (ledger rows).</summary>
    public const string Usage = "usage";

    public static async IAsyncEnumerable<ImportLine> ReadAsync(Stream body, ImportRules rules, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var reader = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        var number = 0;
        int? version = null;
        while (true)
        {
            var read = await reader.ReadAsync(ct).ConfigureAwait(false);
            var buffer = read.Buffer;
            while (TryTakeLine(ref buffer, out var line))
            {
                number++;
                if (Parse(line, number, rules, ref version) is { } parsed)
                {
                    yield return parsed;
                }
            }

            if (buffer.Length > MaxLineBytes)
            {
                throw new ImportLineException(number + 1, $"a line may hold at most {MaxLineBytes / 1024} KiB");
            }

            if (read.IsCompleted)
            {
                if (buffer.Length > 0 && Parse(buffer, ++number, rules, ref version) is { } last)
                {
                    yield return last;
                }

                await reader.CompleteAsync().ConfigureAwait(false);
                break;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }

        if (version is null)
        {
            throw new ImportLineException(1, "the file is empty: it must start with the export's header line");
        }
    }

    private static bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        if (buffer.PositionOf((byte)'\n') is not { } end)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, end);
        buffer = buffer.Slice(buffer.GetPosition(1, end));
        return true;
    }

    /// <summary>The line checked and rebuilt; null for a blank line or one the import leaves out.</summary>
    private static ImportLine? Parse(ReadOnlySequence<byte> bytes, int number, ImportRules rules, ref int? version)
    {
        if (bytes.Length > MaxLineBytes)
        {
            throw new ImportLineException(number, $"a line may hold at most {MaxLineBytes / 1024} KiB");
        }

        var text = Encoding.UTF8.GetString(bytes).TrimEnd('\r');
        if (text.Length == 0)
        {
            return null;
        }

        JsonObject json;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ImportLineException(number, "a line must be a JSON object");
            }

            if (JsonStrings.FindUnreadable(document.RootElement, string.Empty) is { } bad)
            {
                throw new ImportLineException(number, $"{(bad.Length == 0 ? "a field name" : bad)} {StorableText.UnstorableMessage}");
            }

            json = JsonObject.Create(document.RootElement.Clone())!;
        }
        catch (JsonException)
        {
            throw new ImportLineException(number, "the line is not valid JSON");
        }

        var line = new LineFields(json, number);
        var kind = line.Text("kind");
        var lineVersion = line.Int("version");
        if (version is null)
        {
            if (kind != "export" || lineVersion is not (1 or 2))
            {
                throw new ImportLineException(number, "the file must start with the export's header line (kind \"export\", version 1 or 2)");
            }

            version = lineVersion;
            return null;
        }

        if (lineVersion != version)
        {
            throw new ImportLineException(number, $"version must be {version}, as the header says");
        }

        try
        {
            return Dispatch(kind, line, rules, number);
        }
        catch (ArgumentException)
        {
            throw new ImportLineException(number, "a field name appears twice in the line");
        }
    }

    private static ImportLine? Dispatch(string kind, LineFields line, ImportRules rules, int number)
    {
        return kind switch
        {
            "session" => Session(line),
            "message" => Message(line, rules),
            "task" => Task(line),
            "attachment" => Attachment(line, rules),
            "attachment_chunk" => Chunk(line),
            Usage => new ImportLine(number, Usage, "{}"),
            _ => throw new ImportLineException(number, $"kind \"{kind}\" is not one an export holds"),
        };
    }

    private static ImportLine Session(LineFields line)
    {
        var title = line.Text("title");
        if (title.Trim().Length == 0 || SessionRules.CodePointCount(title) > SessionRules.MaxTitleLength)
        {
            throw line.Invalid($"title must be 1 to {SessionRules.MaxTitleLength} characters");
        }

        return line.Rebuilt("session", new JsonObject
        {
            ["id"] = line.Id("id"),
            ["title"] = title,
            ["created_at"] = line.Time("created_at"),
            ["updated_at"] = line.Time("updated_at"),
        });
    }

    private static ImportLine Message(LineFields line, ImportRules rules)
    {
        var role = line.OneOf("role", "user", "assistant", "tool", "note");
        var (content, length) = Content(line);
        var max = role == "user" ? rules.MaxUserMessageLength : ImportRules.MaxStoredMessageLength;
        if (length > max)
        {
            throw line.Invalid($"content holds {length} characters; a {role} message may hold at most {max}");
        }

        var callId = line.OptionalText("tool_call_id");
        if ((role == "tool") != !string.IsNullOrEmpty(callId))
        {
            throw line.Invalid("a tool message needs the tool_call_id of the call it answers, and only a tool message has one");
        }

        return line.Rebuilt("message", new JsonObject
        {
            ["id"] = line.Id("id"),
            ["session_id"] = line.Id("session_id"),
            ["role"] = role,
            ["content"] = content,
            ["tool_calls"] = ToolCalls(line),
            ["tool_call_id"] = callId,
            ["status"] = line.OneOf("status", "completed", "incomplete"),
            ["created_at"] = line.Time("created_at"),
            ["model"] = line.OptionalText("model"),
            ["feedback"] = line.Node("feedback") is null ? null : line.OneOf("feedback", "positive", "negative"),
            ["stopped"] = line.OptionalBool("stopped") ?? false,
            ["quoted_text"] = line.OptionalText("quoted_text"),
            ["parent_id"] = line.Node("parent_id") is null ? null : line.Id("parent_id"),
            ["active"] = line.OptionalBool("active") ?? true,
            ["selected"] = line.OptionalBool("selected") ?? true,
        });
    }

    /// <summary>
    /// The content parts, each read into the part the service stores (every field of the type it must be) and written back
    /// as the service writes it, so what is stored is what the service's own readers read.
    /// </summary>
    private static (JsonNode Json, int Length) Content(LineFields line)
    {
        if (line.Node("content") is not JsonArray parts || parts.Count == 0)
        {
            throw line.Invalid("content must be a list of parts, each with a type and a text");
        }

        var read = new List<ContentPart>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var field = $"content[{i}]";
            if (parts[i] is not JsonObject part || !IsString(part["type"]) || !IsString(part["text"]))
            {
                throw line.Invalid($"{field} must be a part with a type and a text, both strings");
            }

            read.Add(new ContentPart(part["type"]!.GetValue<string>(), part["text"]!.GetValue<string>())
            {
                Id = OptionalString(line, part, "id", field),
                Group = OptionalString(line, part, "group", field),
                Data = part["data"] switch
                {
                    null => null,
                    JsonObject data => JsonSerializer.SerializeToElement(data),
                    _ => throw line.Invalid($"{field}.data must be an object"),
                },
                Interactive = part["interactive"] switch
                {
                    null => null,
                    var flag when flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False => flag.GetValue<bool>(),
                    _ => throw line.Invalid($"{field}.interactive must be true or false"),
                },
            });
        }

        return (JsonSerializer.SerializeToNode(read, StoredJson.Options)!, read.Sum(p => SessionRules.CodePointCount(p.Text)));
    }

    private static string? OptionalString(LineFields line, JsonObject part, string name, string field) => part[name] switch
    {
        null => null,
        var value when IsString(value) => value.GetValue<string>(),
        _ => throw line.Invalid($"{field}.{name} must be a string"),
    };

    /// <summary>An assistant step's calls, each <c>{id, type: "function", function: {name, arguments}}</c>; null when none.</summary>
    private static JsonNode? ToolCalls(LineFields line)
    {
        if (line.Node("tool_calls") is null)
        {
            return null;
        }

        if (line.Node("tool_calls") is not JsonArray calls)
        {
            throw line.Invalid("tool_calls must be a list of calls");
        }

        var read = new List<ToolCall>(calls.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            if (calls[i] is not JsonObject call || call["function"] is not JsonObject function
                || !IsString(call["id"]) || call["id"]!.GetValue<string>().Length is 0 or > ImportRules.MaxCallIdLength
                || !IsString(function["name"]) || function["name"]!.GetValue<string>().Length == 0
                || !IsString(function["arguments"]))
            {
                throw line.Invalid($"tool_calls[{i}] must be {{\"id\", \"type\": \"function\", \"function\": {{\"name\", \"arguments\"}}}} with strings");
            }

            read.Add(new ToolCall(
                call["id"]!.GetValue<string>(), "function", new ToolCallFunction(function["name"]!.GetValue<string>(), function["arguments"]!.GetValue<string>())));
        }

        return JsonSerializer.SerializeToNode(read, StoredJson.Options);
    }

    private static bool IsString(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.String;

    private static ImportLine Task(LineFields line)
    {
        var titleError = TaskRules.Title(line.Text("title"), out var title);
        var descriptionError = TaskRules.Description(line.OptionalText("description"), out var description);
        var tagsError = TaskRules.Tags(
            (line.Node("tags") as JsonArray ?? []).Select(t => t is JsonValue v && v.TryGetValue<string>(out var tag) ? tag : null), out var tags);
        if ((titleError ?? descriptionError ?? tagsError) is { } error)
        {
            throw line.Invalid(error.Message);
        }

        return line.Rebuilt("task", new JsonObject
        {
            ["id"] = line.Id("id"),
            ["title"] = title,
            ["description"] = description,
            ["completed"] = line.OptionalBool("completed") ?? false,
            ["priority"] = line.OneOf("priority", "low", "medium", "high"),
            ["tags"] = new JsonArray(tags.Select(t => (JsonNode?)t).ToArray()),
            ["created_at"] = line.Time("created_at"),
            ["updated_at"] = line.Time("updated_at"),
        });
    }

    private static ImportLine Attachment(LineFields line, ImportRules rules)
    {
        var name = line.Text("name");
        var mime = line.Text("mime_type");
        if (name.Length is 0 or > 255 || mime.Length is 0 or > 127)
        {
            throw line.Invalid("name must be 1 to 255 characters and mime_type 1 to 127");
        }

        if (!rules.AllowsType(mime))
        {
            throw line.Invalid($"mime_type {(IsPrintableAscii(mime) ? mime : "(not printable ASCII)")} is not one this service takes");
        }

        var size = line.Node("size") is JsonValue value && value.TryGetValue<long>(out var n) && n >= 0 ? n : throw line.Invalid("size must be a number of bytes");
        if (size > rules.AttachmentMaxBytes)
        {
            throw line.Invalid($"size is {size} bytes; a file may have at most {rules.AttachmentMaxBytes}");
        }

        return line.Rebuilt("attachment", new JsonObject
        {
            ["id"] = line.Id("id"),
            ["session_id"] = line.Node("session_id") is null ? null : line.Id("session_id"),
            ["message_id"] = line.Node("message_id") is null ? null : line.Id("message_id"),
            ["name"] = name,
            ["mime_type"] = mime.ToLowerInvariant(),
            ["size"] = size,
            ["created_at"] = line.Time("created_at"),
        });
    }

    private static bool IsPrintableAscii(string text) => text.All(c => c is >= ' ' and <= '~');

    private static ImportLine Chunk(LineFields line)
    {
        var data = line.Text("data");
        if (!System.Buffers.Text.Base64.IsValid(data, out var bytes))
        {
            throw line.Invalid("data must be base64");
        }

        if (bytes > Attachments.UploadChunks.ChunkBytes)
        {
            throw line.Invalid($"a chunk may hold at most {Attachments.UploadChunks.ChunkBytes / 1024} KiB");
        }

        return line.Rebuilt("attachment_chunk", new JsonObject
        {
            ["attachment_id"] = line.Id("attachment_id"),
            ["seq"] = line.Int("seq") is >= 0 and var seq ? seq : throw line.Invalid("seq must be 0 or more"),
            ["data"] = data,
        });
    }

    /// <summary>A line's fields, each read as the type the import needs or refused naming the line and the field.</summary>
    private sealed class LineFields(JsonObject json, int number)
    {
        public JsonNode? Node(string name) => json[name];

        public ImportLineException Invalid(string reason) => new(number, reason);

        public string Text(string name) =>
            json[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : throw Invalid($"{name} must be a string");

        public string? OptionalText(string name) => json[name] is null ? null : Text(name);

        public bool? OptionalBool(string name) =>
            json[name] is null ? null : json[name] is JsonValue value && value.TryGetValue<bool>(out var b) ? b : throw Invalid($"{name} must be true or false");

        public int? Int(string name) =>
            json[name] is JsonValue value && value.TryGetValue<int>(out var n) ? n : throw Invalid($"{name} must be a whole number");

        public string Id(string name) =>
            Guid.TryParse(Text(name), out var id) ? id.ToString() : throw Invalid($"{name} must be a UUID");

        /// <summary>A time between 2000 and a day from now: what the service itself could have written (a later one would
        /// order every message sent after the import before the imported ones, and one past 9999 cannot be stored after it).</summary>
        public string Time(string name) =>
            DateTimeOffset.TryParse(Text(name), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
                ? at >= EarliestTime && at <= DateTimeOffset.UtcNow.AddDays(1)
                    ? at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)
                    : throw Invalid($"{name} must be a time between 2000 and now")
                : throw Invalid($"{name} must be an ISO 8601 time");

        private static readonly DateTimeOffset EarliestTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public string OneOf(string name, params string[] allowed) =>
            Text(name) is var text && allowed.Contains(text) ? text : throw Invalid($"{name} must be one of {string.Join(", ", allowed)}");

        /// <summary>
        /// The line as the store stages it: the checked fields only. Every string in them is storable: each came from the
        /// line, whose every string (and field name) <see cref="JsonStrings.FindUnreadable"/> checked before it was read.
        /// </summary>
        public ImportLine Rebuilt(string kind, JsonObject fields) => new(number, kind, fields.ToJsonString());
    }
}

/// <summary>The limits every other door enforces, applied to an import's lines.</summary>
/// <param name="MaxUserMessageLength"><c>MAX_MESSAGE_LENGTH</c>, in characters, for a user message.</param>
/// <param name="AttachmentMaxBytes"><c>ATTACHMENT_MAX_BYTES</c>.</param>
/// <param name="AttachmentTypes"><c>ATTACHMENT_TYPES</c>, lower case.</param>
public sealed record ImportRules(int MaxUserMessageLength, long AttachmentMaxBytes, IReadOnlyCollection<string> AttachmentTypes)
{
    /// <summary>
    /// The longest assistant, tool or note message an import stores: well past any reply a model writes, well short of what
    /// PostgreSQL's search vector can hold (a ~1 MB text of distinct words overflows it).
    /// </summary>
    public const int MaxStoredMessageLength = 200_000;

    /// <summary>A tool call's id, as the column's check takes it.</summary>
    public const int MaxCallIdLength = 200;

    public bool AllowsType(string mimeType) => AttachmentTypes.Contains(mimeType.ToLowerInvariant());
}
