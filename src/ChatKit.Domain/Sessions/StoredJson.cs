using System.Text.Json;

namespace ChatKit.Domain.Sessions;

/// <summary>
/// How a message's content parts and tool calls are written as JSON where they are stored (snake_case); what writes them
/// elsewhere (an import rebuilding a line) writes them the same way, so the readers meet one shape.
/// </summary>
public static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
