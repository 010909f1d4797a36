using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatKit.Application.Runs.ThreadStream;

/// <summary>
/// How ChatKit events and objects are written: snake_case, nulls omitted (as the reference server's
/// <c>exclude_none</c>), no HTML escaping of text. A run's events are serialised once, when they happen, so a resume
/// replays the very bytes the first stream sent.
/// </summary>
public static class ThreadStreamJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.Strict,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Serialize(RunEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return JsonSerializer.SerializeToUtf8Bytes(e, e.GetType(), Options);
    }
}
