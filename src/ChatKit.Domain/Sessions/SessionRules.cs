using System.Text;

namespace ChatKit.Domain.Sessions;

/// <summary>The rules of sessions and messages that do not depend on storage or transport.</summary>
public static class SessionRules
{
    public const string DefaultTitle = "New Chat";
    public const int MaxTitleLength = 200;
    public const int AutoTitleLength = 60;
    public const int MaxUserIdLength = 200;
    public const string Ellipsis = "…";

    /// <summary>
    /// Whether a text has anything to read: not only whitespace and invisible format characters (zero-width spaces and
    /// joiners, the byte-order mark, the word joiner).
    /// </summary>
    public static bool HasVisibleText(string? text) =>
        text is not null && text.Any(c => !char.IsWhiteSpace(c) && char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.Format);

    /// <summary>
    /// Whether a token's subject can be a user id: not blank, at most <see cref="MaxUserIdLength"/> UTF-16 units, no
    /// control characters (NUL, tab, line breaks, DEL, C1) and nothing PostgreSQL cannot store (an unpaired surrogate).
    /// Every query filters on it, so it is checked once, at authentication.
    /// </summary>
    public static bool IsUsableUserId(string? sub) =>
        !string.IsNullOrWhiteSpace(sub) && sub.Length <= MaxUserIdLength && !sub.Any(char.IsControl) && Text.StorableText.IsStorable(sub);

    /// <summary>
    /// The title a session takes from its first user message: the first non-blank line, trimmed,
    /// cut to <see cref="AutoTitleLength"/> code points (never inside a surrogate pair) plus an ellipsis.
    /// </summary>
    public static string TitleFromFirstMessage(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var firstLine = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        if (firstLine is null)
        {
            return DefaultTitle;
        }

        if (CodePointCount(firstLine) <= AutoTitleLength)
        {
            return firstLine;
        }

        var builder = new StringBuilder();
        var taken = 0;
        foreach (var rune in firstLine.EnumerateRunes())
        {
            if (taken++ == AutoTitleLength)
            {
                break;
            }

            builder.Append(rune.ToString());
        }

        return builder.ToString().TrimEnd() + Ellipsis;
    }

    /// <summary>Length in Unicode code points, the unit the contract's limits use (an emoji counts once).</summary>
    public static int CodePointCount(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// PostgreSQL keeps microseconds; cutting .NET's 100 ns ticks to the same precision keeps a timestamp
    /// the API returns before storing equal to the one it returns after reading it back.
    /// </summary>
    public static DateTime ToStoragePrecision(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        return new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
    }

    /// <summary>
    /// When a new message is stored: <paramref name="now"/>, or just after the last message of the history when that
    /// is not earlier (stored order is admitted order, whatever the clock of the instance that stored the last one).
    /// </summary>
    public static DateTime StoredAfter(DateTime now, IReadOnlyList<ChatMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history.Count > 0 && history[^1].CreatedAt >= now ? history[^1].CreatedAt.AddTicks(10) : now;
    }
}
