using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary>The composer's model picker.</summary>
public sealed class ComposerOptions
{
    /// <summary><c>MODELS</c>: the upstream model ids a user may pick, comma-separated, the first the default (default: the configured model alone).</summary>
    [ConfigurationKeyName("MODELS")]
    [MaxLength(4000, ErrorMessage = "MODELS must be at most {1} characters.")]
    public string? Models { get; set; }

    public IReadOnlyList<string> ModelList =>
        (Models ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
}
