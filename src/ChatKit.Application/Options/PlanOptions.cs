using ChatKit.Application.Plans;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary><c>PLANS_FILE</c>: the plans and their limits (YAML or JSON), read once at start.</summary>
public sealed class PlanOptions
{
    [ConfigurationKeyName("PLANS_FILE")]
    public string? File { get; set; }

    /// <summary>The file's plans by name, once read (empty without a file).</summary>
    public IReadOnlyDictionary<string, PlanDefinition> Definitions { get; set; } = new Dictionary<string, PlanDefinition>();

    /// <summary>Why the file could not be used (naming the file and the line), or null.</summary>
    public string? Error { get; set; }
}
