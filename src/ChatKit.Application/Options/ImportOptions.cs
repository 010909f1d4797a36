using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary><c>IMPORT_MAX_BYTES</c>: the largest export <c>POST /api/v1/chatkit/import</c> takes (it is read as it arrives).</summary>
public sealed class ImportOptions
{
    [ConfigurationKeyName("IMPORT_MAX_BYTES")]
    [Range(1024, 4L * 1024 * 1024 * 1024, ErrorMessage = "IMPORT_MAX_BYTES must be between {1} and {2}.")]
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;
}
