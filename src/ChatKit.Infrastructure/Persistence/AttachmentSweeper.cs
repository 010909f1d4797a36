using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>Deletes attachments no message took within <c>ATTACHMENT_PENDING_TTL_MINUTES</c>, with their bytes.</summary>
internal sealed partial class AttachmentSweeper(
    IAttachmentStore store, IOptions<AttachmentOptions> options, TimeProvider clock, ILogger<AttachmentSweeper> logger) : BatchSweeper(clock)
{
    /// <summary>Often enough that nothing outlives its time by much, never more than once a minute.</summary>
    protected override TimeSpan Interval => TimeSpan.FromMinutes(Math.Clamp(options.Value.PendingTtlMinutes / 4.0, 1, 15));

    protected override Task<int?> DeleteBatchAsync(DateTime now, CancellationToken ct) =>
        store.DeleteUnattachedAsync(now - TimeSpan.FromMinutes(options.Value.PendingTtlMinutes), Batch, ct);

    protected override void Swept(int count) => LogSwept(logger, count);

    protected override void Failed(string reason) => LogSweepFailed(logger, reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} attachments no message took in time")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The attachment sweep failed ({Reason}); it runs again next round")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
