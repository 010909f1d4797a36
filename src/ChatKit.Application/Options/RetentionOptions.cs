using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary><c>RETENTION_DAYS</c>: sessions idle longer are deleted by a background sweep (0 = kept for ever).</summary>
public sealed class RetentionOptions
{
    [ConfigurationKeyName("RETENTION_DAYS")]
    [Range(0, 36500, ErrorMessage = "RETENTION_DAYS must be between {1} and {2}.")]
    public int Days { get; set; }
}
