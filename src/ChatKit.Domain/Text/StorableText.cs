using System.Text;

namespace ChatKit.Domain.Text;

/// <summary>
/// PostgreSQL stores neither U+0000 in <c>text</c>/<c>jsonb</c> nor unpaired UTF-16 surrogates (they have no
/// UTF-8 form). What a user sends with them is refused; what a model or a tool produced is repaired, so a reply
/// is never lost because of one character.
/// </summary>
public static class StorableText
{
    public const char Replacement = '\uFFFD';

    /// <summary>Whether every character of <paramref name="text"/> can be stored as it is.</summary>
    public static bool IsStorable(string? text)
    {
        if (text is null)
        {
            return true;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The text with every character PostgreSQL cannot store replaced by U+FFFD; the same instance when none.</summary>
    public static string Repair(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsStorable(text))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(c == '\0' || char.IsSurrogate(c) ? Replacement : c);
            }
        }

        return builder.ToString();
    }

    public const string UnstorableMessage = "must not contain NUL (U+0000) or unpaired surrogate characters";
}
