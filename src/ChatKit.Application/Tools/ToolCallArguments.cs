using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatKit.Application.Common;
using ChatKit.Domain.Text;

namespace ChatKit.Application.Tools;

/// <summary>
/// A model's argument text checked where it arrives. JSON can spell a string PostgreSQL and the next prompt cannot carry
/// (<c>"\ud800"</c>, an unpaired surrogate; <c>"\u0000"</c>): such a call is refused with a result naming the field, and
/// stored repaired (U+FFFD), so the step it belongs to can always be sent to the model again.
/// </summary>
public static partial class ToolCallArguments
{
    /// <summary>The text to store and, when a string could not be kept as sent, the refusal naming it (null when none).</summary>
    public static (string Text, string? Problem) Check(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return (json ?? string.Empty, null);
        }

        string? problem;
        try
        {
            using var document = JsonDocument.Parse(json);
            problem = Problem(document.RootElement);
        }
        catch (JsonException)
        {
            return (json, null); // not JSON at all: stored as sent, answered "not valid JSON", sent back as {}
        }

        if (problem is null)
        {
            return (json, null); // the common case: the model's exact text, read once and copied never
        }

        try
        {
            return (Repair(JsonNode.Parse(json))?.ToJsonString() ?? "{}", problem);
        }
        catch (InvalidOperationException)
        {
            return ("{}", problem); // a property name that cannot be read cannot be repaired either
        }
    }

    /// <summary>
    /// The refusal for the first string (value or property name) of <paramref name="arguments"/> that cannot be kept as
    /// sent, naming where it is (<c>tags[0] must not contain …</c>); null when every string can.
    /// </summary>
    public static string? Problem(JsonElement arguments) =>
        JsonStrings.FindUnreadable(arguments, string.Empty) is { } path ? (path.Length == 0 ? "arguments" : path) + " " + StorableText.UnstorableMessage : null;

    /// <summary>A copy whose every string can be stored: unpaired surrogates and NUL become U+FFFD.</summary>
    private static JsonNode? Repair(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                {
                    var copy = new JsonObject();
                    foreach (var (name, value) in obj.ToList())
                    {
                        copy[name] = Repair(value);
                    }

                    return copy;
                }

            case JsonArray array:
                return new JsonArray(array.Select(Repair).ToArray());

            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    return JsonValue.Create(StorableText.Repair(value.GetValue<string>()));
                }
                catch (InvalidOperationException)
                {
                    // Its escapes are replaced in the raw text, which System.Text.Json then reads.
                    var raw = value.GetValue<JsonElement>().GetRawText();
                    return JsonValue.Create(StorableText.Repair(JsonSerializer.Deserialize<string>(SurrogateEscape().Replace(raw, "\\ufffd"))!));
                }

            default:
                return node?.DeepClone();
        }
    }

    [GeneratedRegex(@"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")]
    private static partial Regex SurrogateEscape();
}
