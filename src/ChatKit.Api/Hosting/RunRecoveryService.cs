using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.Recovery;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Hosting;

/// <summary>
/// Every instance looks for runs whose instance died (ADR-023): at start, those it held itself before a restart; then,
/// with a shared event log (Redis), every quarter of <c>RUN_CLAIM_SECONDS</c> (at most 5 s, at least 1 s), claims that
/// lapsed — so a takeover begins within <c>RUN_CLAIM_SECONDS</c> + 5 s of a death, and PostgreSQL decides which survivor
/// takes a run. Without a shared log an instance takes over nothing but its own runs: another instance's clients could
/// never read what it would write (and without Redis there is meant to be one instance).
/// </summary>
public sealed partial class RunRecoveryService(
    RunRecovery recovery, IRunEventLog log, OrphanWatch orphans, IOptions<RunOptions> options, TimeProvider clock, ILogger<RunRecoveryService> logger)
    : BackgroundService
{
    private TimeSpan Interval => TimeSpan.FromSeconds(Math.Clamp(options.Value.ClaimSeconds / 4.0, 1, 5));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RoundAsync(heldByThisInstance: true, stoppingToken).ConfigureAwait(false);
        if (!log.Shared)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            // A send that met an orphaned run wakes the loop early: its session is refused until the run is taken over.
            await orphans.WaitAsync(Interval, clock, stoppingToken).ConfigureAwait(false);
            await RoundAsync(heldByThisInstance: false, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RoundAsync(bool heldByThisInstance, CancellationToken ct)
    {
        try
        {
            await recovery.RecoverOrphansAsync(heldByThisInstance, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An unreachable database is reported by the health check; the next round tries again.
            if (!Outages.IsDatabaseUnavailable(ex))
            {
                LogRoundFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for runs of dead instances failed; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception ex);
}
