using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// Retention: sessions idle longer than <c>RETENTION_DAYS</c> are deleted (with their messages, widgets and attachments),
/// hourly, on one instance at a time, in batches; it logs counts only. Off unless <c>RETENTION_DAYS</c> is set.
/// </summary>
internal sealed partial class RetentionSweeper(
    IAccountStore accounts, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<RetentionSweeper> logger) : BatchSweeper(clock)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override bool Enabled => options.Value.Days > 0;

    protected override Task<int?> DeleteBatchAsync(DateTime now, CancellationToken ct) =>
        accounts.DeleteIdleSessionsAsync(now - TimeSpan.FromDays(options.Value.Days), Batch, ct);

    protected override void Swept(int count) => LogSwept(logger, count, options.Value.Days);

    protected override void Failed(string reason) => LogSweepFailed(logger, reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention deleted {Count} sessions idle for more than {Days} days")]
    private static partial void LogSwept(ILogger logger, int count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention sweep failed ({Reason}); it runs again next hour")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
