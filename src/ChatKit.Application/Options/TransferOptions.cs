using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary>
/// <c>TRANSFERS_PER_USER</c> and <c>TRANSFERS_PER_INSTANCE</c>: uploads, imports and exports running at once (each is
/// received into, or read out of, a temporary file at the client's pace, holding no database connection meanwhile).
/// </summary>
public sealed class TransferOptions
{
    [ConfigurationKeyName("TRANSFERS_PER_USER")]
    [Range(1, 1000, ErrorMessage = "TRANSFERS_PER_USER must be between {1} and {2}.")]
    public int PerUser { get; set; } = 4;

    [ConfigurationKeyName("TRANSFERS_PER_INSTANCE")]
    [Range(1, 100_000, ErrorMessage = "TRANSFERS_PER_INSTANCE must be between {1} and {2}.")]
    public int PerInstance { get; set; } = 256;
}
