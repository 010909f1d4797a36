using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// Deletes attachments no message took within <c>ATTACHMENT_PENDING_TTL_MINUTES</c>, with their bytes. Every instance
/// runs it; the store lets one sweep at a time (an advisory lock), the others skip that round. A round deletes in
/// batches until none are left, so a backlog does not hold one long transaction.
/// </summary>
internal sealed partial class AttachmentSweeper(
    IAttachmentStore store, IOptions<AttachmentOptions> options, TimeProvider clock, ILogger<AttachmentSweeper> logger) : BackgroundService
{
    private const int Batch = 500;

    /// <summary>How often a round runs: often enough that nothing outlives its time by much, never more than once a minute.</summary>
    private TimeSpan Interval => TimeSpan.FromMinutes(Math.Clamp(options.Value.PendingTtlMinutes / 4.0, 1, 15));

    /// <summary>One round: what it deleted, or null when another instance is sweeping.</summary>
    public async Task<int?> SweepOnceAsync(CancellationToken ct)
    {
        var before = clock.GetUtcNow().UtcDateTime - TimeSpan.FromMinutes(options.Value.PendingTtlMinutes);
        var total = 0;
        while (true)
        {
            var deleted = await store.DeleteUnattachedAsync(before, Batch, ct).ConfigureAwait(false);
            if (deleted is null)
            {
                return total == 0 ? null : total;
            }

            total += deleted.Value;
            if (deleted.Value < Batch)
            {
                return total;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (await SweepOnceAsync(stoppingToken).ConfigureAwait(false) is > 0 and var deleted)
                {
                    LogSwept(logger, deleted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A database outage is reported by the health check and the request path; the next round tries again.
                LogSweepFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} attachments no message took in time")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The attachment sweep failed ({Reason}); it runs again next round")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
