using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Runs.Engine;

/// <summary>
/// Timestamps for the messages of one turn, strictly increasing at storage precision: messages are read back
/// ordered by <c>(created_at, id)</c>, and a turn's steps and results must come back in the order they happened.
/// </summary>
internal sealed class TurnClock(TimeProvider clock, DateTime after)
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(10);
    private DateTime _last = after;

    public DateTime Next()
    {
        var now = SessionRules.ToStoragePrecision(clock.GetUtcNow());
        _last = now > _last ? now : _last + Tick;
        return _last;
    }
}
