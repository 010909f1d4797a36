using System.Buffers.Text;
using System.Text;

namespace ChatKit.Application.Common;

/// <summary>
/// Keyset cursors: an opaque, URL-safe encoding of the last row's <c>(timestamp, id)</c>. Clients pass them back as is.
/// </summary>
public static class PagingRules
{
    public const int MaxLimit = 200;

    public static string Encode(DateTime at, Guid id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{at.Ticks}:{id:N}"));

    public static bool TryDecode(string? cursor, out DateTime at, out Guid id)
    {
        at = default;
        id = default;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 128)
        {
            return false;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var parts = text.Split(':');
            if (parts.Length != 2 || !long.TryParse(parts[0], out var ticks) || !Guid.TryParseExact(parts[1], "N", out id)
                || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            {
                return false;
            }

            at = new DateTime(ticks, DateTimeKind.Utc);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static bool IsWellFormedCursor(string? cursor) => cursor is null || TryDecode(cursor, out _, out _);
}
