using System.Text.Json;
using ChatKit.Domain.Text;

namespace ChatKit.Application.Common;

/// <summary>
/// The one reader of strings in JSON a client (or a model) sent, for every door: JSON can spell a string that
/// System.Text.Json will not turn into .NET text (<c>"\ud800"</c>, an escaped unpaired surrogate, throws
/// <see cref="InvalidOperationException"/> from <c>GetString</c>) and strings PostgreSQL cannot store (NUL). Both are
/// refused where they arrive, naming the field, instead of failing later as a 500 or a run that dies.
/// </summary>
public static class JsonStrings
{
    /// <summary>The text of a string element, or false when it cannot be read or stored as sent.</summary>
    public static bool TryRead(JsonElement element, out string text)
    {
        text = string.Empty;
        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            text = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        return StorableText.IsStorable(text);
    }

    /// <summary>
    /// Where the first string (a value or a property name) of <paramref name="element"/> that cannot be read or stored is:
    /// <paramref name="path"/> extended by property names and indexes (<c>result.tags[0]</c>); null when every one can.
    /// </summary>
    public static string? FindUnreadable(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return path;
                    }

                    if (!StorableText.IsStorable(name))
                    {
                        return path;
                    }

                    if (FindUnreadable(property.Value, path.Length == 0 ? name : path + "." + name) is { } found)
                    {
                        return found;
                    }
                }

                return null;

            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindUnreadable(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;

            case JsonValueKind.String:
                return TryRead(element, out _) ? null : path;

            default:
                return null;
        }
    }
}
