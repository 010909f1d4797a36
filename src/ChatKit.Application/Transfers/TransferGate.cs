using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Transfers;

/// <summary>
/// How many transfers (uploads, imports, exports: whatever waits on a client's pace) run at once, per user and on this
/// instance. Past either cap a transfer is refused <c>429 TOO_MANY_TRANSFERS</c> with <c>Retry-After</c> before it reads a
/// byte, so one user's dozen slow uploads cannot fill the disk's spool or the thread pool for everyone else. The one door
/// every transfer goes through: what it hands out is the transfer's slot and its spool file.
/// </summary>
public sealed class TransferGate
{
    public const string MeterName = "ChatKit.Transfers";

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly IOptions<TransferOptions> _options;
    private readonly Counter<long> _refused;
    private readonly ConcurrentDictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private int _total;

    public TransferGate(IOptions<TransferOptions> options, IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _options = options;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("chatkit.transfers.active", () => Active, description: "Uploads, imports and exports running on this instance");
        _refused = meter.CreateCounter<long>("chatkit.transfers.refused", description: "Transfers refused 429 TOO_MANY_TRANSFERS, by cap (user, instance)");
    }

    /// <summary>Transfers running on this instance now.</summary>
    public int Active => Volatile.Read(ref _total);

    /// <summary>A transfer of <paramref name="userId"/> (its slot and a new spool file, both freed when it is disposed); the refusal otherwise.</summary>
    public Result<Transfer> Begin(string userId)
    {
        var o = _options.Value;
        if (Interlocked.Increment(ref _total) > o.PerInstance)
        {
            Interlocked.Decrement(ref _total);
            _refused.Add(1, new KeyValuePair<string, object?>("cap", "instance"));
            return Errors.TooManyTransfers("this server is busy with other transfers", RetryAfter);
        }

        var mine = _perUser.AddOrUpdate(userId, 1, (_, n) => n + 1);
        if (mine > o.PerUser)
        {
            Leave(userId);
            _refused.Add(1, new KeyValuePair<string, object?>("cap", "user"));
            return Errors.TooManyTransfers($"at most {o.PerUser} of your uploads, imports and exports may run at once", RetryAfter);
        }

        return new Transfer(SpoolFile.Create(), () => Leave(userId));
    }

    private void Leave(string userId)
    {
        Interlocked.Decrement(ref _total);
        while (true)
        {
            var n = _perUser.GetValueOrDefault(userId);
            if (n <= 1 ? _perUser.TryRemove(new KeyValuePair<string, int>(userId, n)) : _perUser.TryUpdate(userId, n - 1, n))
            {
                return;
            }
        }
    }
}

/// <summary>One running transfer: its spool file, and its slot in the <see cref="TransferGate"/>; disposing it frees both.</summary>
public sealed class Transfer(SpoolFile spool, Action leave) : IAsyncDisposable
{
    private int _ended;

    public SpoolFile Spool { get; } = spool;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            await Spool.DisposeAsync().ConfigureAwait(false);
            leave();
        }
    }
}
