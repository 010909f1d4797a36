using ChatKit.Application.Abstractions;
using Microsoft.Extensions.Logging;

namespace ChatKit.Application.Runs.Engine;

/// <summary>
/// Keeps a run's claim on its session alive while it streams by renewing it at a third of its length.
/// Each renewal opens and closes its own connection, so no connection is held for the stream's life;
/// if this instance dies, renewals stop and the claim lapses on its own.
/// </summary>
internal sealed partial class RunLease : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RunLease(ITurnStore store, TimeProvider clock, ILogger logger, Guid sessionId, Guid claimId, TimeSpan length)
    {
        _loop = RenewAsync(store, clock, logger, sessionId, claimId, length, _stop.Token);
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }

        _stop.Dispose();
    }

    private static async Task RenewAsync(
        ITurnStore store, TimeProvider clock, ILogger logger, Guid sessionId, Guid claimId, TimeSpan length, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(length / 3, clock);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            try
            {
                if (!await store.RenewRunClaimAsync(sessionId, claimId, length, ct).ConfigureAwait(false))
                {
                    // Gone for good (the session deleted, or the claim taken over): renewing again would only log again.
                    LogClaimLost(logger, sessionId);
                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRenewFailed(logger, ex, sessionId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run claim on session {SessionId} was lost (session deleted or claim expired)")]
    private static partial void LogClaimLost(ILogger logger, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the run claim on session {SessionId}")]
    private static partial void LogRenewFailed(ILogger logger, Exception ex, Guid sessionId);
}
