using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary>The tools that run in the browser.</summary>
public sealed class ClientToolOptions
{
    /// <summary>
    /// <c>CLIENT_TOOLS</c>: comma-separated names of client tools the model is offered (the ones <c>AgentTools</c> knows,
    /// checked at start); default none.
    /// </summary>
    [ConfigurationKeyName("CLIENT_TOOLS")]
    public string? Names { get; set; }

    public IReadOnlyList<string> NameList =>
        (Names ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
}
