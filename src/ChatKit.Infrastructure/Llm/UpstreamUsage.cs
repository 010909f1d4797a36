using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatKit.Infrastructure.Llm;

/// <summary>
/// The usage one model call's stream reported, checked before anything reads it. A provider that sends a negative, huge
/// or non-numeric count, or a cost no single call can have, would otherwise make the OpenAI client fail the whole call or
/// the ledger refuse the turn's write (its reply lost). Out-of-range counts drop the chunk's <c>usage</c> (the ledger then
/// estimates it and marks it so); an out-of-range cost is ignored. What was dropped is kept here for one log line.
/// </summary>
internal sealed class UpstreamUsage
{
    /// <summary>No model call reads or writes more tokens than this; a larger count is not a count.</summary>
    public const long MaxTokens = 10_000_000;

    /// <summary>No single model call costs more than this many dollars; the ledger's column holds up to 999 999.</summary>
    public const decimal MaxCostUsd = 1_000m;

    public decimal? Usd { get; private set; }

    /// <summary>What was dropped (field names only, never values), or null.</summary>
    public string? Dropped { get; private set; }

    /// <summary>The line with an unusable <c>usage</c> removed, or null to use it as it is.</summary>
    public string? Read(string line)
    {
        if (!line.StartsWith("data:", StringComparison.Ordinal))
        {
            return null;
        }

        JsonObject? chunk;
        try
        {
            chunk = JsonNode.Parse(line.AsSpan(5).Trim().ToString()) as JsonObject;
        }
        catch (JsonException)
        {
            return null; // the client reports the unreadable chunk itself
        }

        if (chunk?["usage"] is not JsonObject usage)
        {
            return null;
        }

        if (BadCounts(usage).FirstOrDefault() is { } bad)
        {
            Dropped = "usage." + bad;
            chunk.Remove("usage");
            return "data: " + chunk.ToJsonString();
        }

        if (usage["cost"] is JsonValue cost)
        {
            if (cost.TryGetValue<decimal>(out var usd) && usd is >= 0 and <= MaxCostUsd)
            {
                Usd = usd;
            }
            else
            {
                Dropped = "usage.cost";
            }
        }

        return null;
    }

    /// <summary>The token counts (top level and in the details objects) that are not whole numbers from 0 to <see cref="MaxTokens"/>.</summary>
    private static IEnumerable<string> BadCounts(JsonObject usage, string prefix = "")
    {
        foreach (var (name, value) in usage)
        {
            if (value is JsonObject details && name.EndsWith("_details", StringComparison.Ordinal))
            {
                foreach (var bad in BadCounts(details, prefix + name + "."))
                {
                    yield return bad;
                }
            }
            else if (name.EndsWith("_tokens", StringComparison.Ordinal) && value is not null
                     && !(value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) && n is >= 0 and <= MaxTokens))
            {
                yield return prefix + name;
            }
        }
    }
}
