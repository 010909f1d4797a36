using Microsoft.Extensions.Hosting;

namespace ChatKit.Infrastructure.Persistence;

/// <summary>
/// A background deletion every instance runs, one at a time (its store takes an advisory lock; the others skip that
/// round), in batches until none are left, so a backlog never holds one long transaction.
/// </summary>
internal abstract class BatchSweeper(TimeProvider clock) : BackgroundService
{
    protected const int Batch = 500;

    /// <summary>How often a round runs.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>Whether rounds run at all.</summary>
    protected virtual bool Enabled => true;

    /// <summary>One batch of at most <see cref="Batch"/>; null when another instance is sweeping.</summary>
    protected abstract Task<int?> DeleteBatchAsync(DateTime now, CancellationToken ct);

    protected abstract void Swept(int count);

    protected abstract void Failed(string reason);

    /// <summary>One round: what it deleted, or null when another instance is sweeping.</summary>
    public async Task<int?> SweepOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var total = 0;
        while (true)
        {
            var deleted = await DeleteBatchAsync(now, ct).ConfigureAwait(false);
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
        if (!Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (await SweepOnceAsync(stoppingToken).ConfigureAwait(false) is > 0 and var deleted)
                {
                    Swept(deleted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A database outage is reported by the health check and the request path; the next round tries again.
                Failed(ex.GetType().Name);
            }
        }
    }
}
