using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return (json, null); // not JSON at all: stored as sent, answered "not valid JSON", sent back as {}
        }

        string? problem = null;
        try
        {
            var repaired = Repair(root, "arguments", ref problem);
            return problem is null ? (json, null) : (repaired?.ToJsonString() ?? "{}", problem + " " + StorableText.UnstorableMessage);
        }
        catch (InvalidOperationException)
        {
            return ("{}", "arguments " + StorableText.UnstorableMessage); // a property name that cannot be read
        }
    }

    private static JsonNode? Repair(JsonNode? node, string path, ref string? problem)
    {
        switch (node)
        {
            case JsonObject obj:
                {
                    var copy = new JsonObject();
                    foreach (var (name, value) in obj.ToList())
                    {
                        copy[name] = Repair(value, path == "arguments" ? name : path + "." + name, ref problem);
                    }

                    return copy;
                }

            case JsonArray array:
                {
                    var copy = new JsonArray();
                    for (var i = 0; i < array.Count; i++)
                    {
                        copy.Add(Repair(array[i], $"{path}[{i}]", ref problem));
                    }

                    return copy;
                }

            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                {
                    string text;
                    try
                    {
                        text = value.GetValue<string>();
                    }
                    catch (InvalidOperationException)
                    {
                        // An escaped lone surrogate: System.Text.Json will not read it; its escapes are replaced in the raw text.
                        var raw = value.GetValue<JsonElement>().GetRawText();
                        text = JsonSerializer.Deserialize<string>(SurrogateEscape().Replace(raw, "\\ufffd"))!;
                        problem ??= path;
                        return JsonValue.Create(text);
                    }

                    if (StorableText.IsStorable(text))
                    {
                        return JsonValue.Create(text);
                    }

                    problem ??= path;
                    return JsonValue.Create(StorableText.Repair(text));
                }

            default:
                return node?.DeepClone();
        }
    }

    [GeneratedRegex(@"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")]
    private static partial Regex SurrogateEscape();
}
