using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Engine;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Runs.Recovery;

/// <summary>
/// What happens to a run whose instance died (ADR-023): a survivor takes its claim (PostgreSQL decides which one),
/// stores the reply text clients saw (from the shared event log, or the checkpoint without one) as the assistant message
/// they watched, then goes on with the turn in the same run — a notice, then the rest, numbered after the events already
/// sent — or, with <c>RUN_TAKEOVER=false</c> or for a cancel, ends the run there with its text stored.
/// </summary>
public sealed partial class RunRecovery(
    ITurnStore turns,
    IRunEventLog log,
    ITurnWriter writer,
    TurnStarter starter,
    IOptions<RunOptions> options,
    TimeProvider clock,
    RunMetrics metrics,
    ILogger<RunRecovery> logger)
{
    public const string ContinuesNotice = "The server writing this reply stopped; another one goes on with it from here.";

    public const string StoppedError = "The server running this reply stopped. What it had written is kept; send your message again.";

    /// <summary>
    /// Recovers the runs orphaned now: with <paramref name="heldByThisInstance"/> (at start) those this instance held before
    /// it restarted; with a shared log, those whose claim lapsed too (without one, another instance's clients could not
    /// read what this one would write for them). Answers how many this instance took.
    /// </summary>
    public async Task<int> RecoverOrphansAsync(bool heldByThisInstance, CancellationToken ct)
    {
        var taken = 0;
        foreach (var orphan in await turns.FindOrphanedRunsAsync(heldByThisInstance, lapsed: log.Shared, ct).ConfigureAwait(false))
        {
            try
            {
                taken += await RecoverAsync(orphan, heldByThisInstance, cancel: false, ct).ConfigureAwait(false) ? 1 : 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Let the run go at once (its taken claim would otherwise hold for a whole RUN_CLAIM_SECONDS): the next round,
                // here or on another instance, tries again. An outage of Redis or PostgreSQL is expected to pass: a warning.
                if (ex is Execution.RunLogUnreachableException || Common.Outages.IsDatabaseUnavailable(ex))
                {
                    LogRecoveryPostponed(logger, orphan.SessionId, ex.GetType().Name);
                }
                else
                {
                    LogRecoveryFailed(logger, ex, orphan.SessionId);
                }

                try
                {
                    await turns.LetGoAsync(orphan, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception letGo) when (Common.Outages.IsDatabaseUnavailable(letGo))
                {
                    // The claim lapses by itself.
                }
            }
        }

        return taken;
    }

    /// <summary>Takes the orphaned run over; false when another instance was first or it had ended.</summary>
    /// <param name="cancel">A cancel reached a run whose instance is dead: store what was seen, stopped, and end it.</param>
    public async Task<bool> RecoverAsync(OrphanedRun orphan, bool heldByThisInstance, bool cancel, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(orphan);
        var o = options.Value;
        var taken = await turns.TryTakeOverAsync(orphan, heldByThisInstance, TimeSpan.FromSeconds(o.ClaimSeconds), ct).ConfigureAwait(false);
        if (taken is null)
        {
            return false;
        }

        var session = taken.Session;
        cancel |= taken.CancelRequested;

        var found = await log.FindAsync(orphan.RunId, ct).ConfigureAwait(false);
        var history = await turns.ReadHistoryAsync(session.Id, 5, ct).ConfigureAwait(false);
        if (found is { Ended: true } || history.All(m => m.Role != MessageRole.User))
        {
            // Its events all went out (only the claim's release was lost), or there is no turn to go on with.
            await turns.ReleaseRunClaimAsync(session.Id, orphan.RunId, ct).ConfigureAwait(false);
            return true;
        }

        var events = await log.SnapshotAsync(orphan.RunId, ct).ConfigureAwait(false);
        var run = (found ?? new RunInfo(orphan.RunId, session.Id, session.UserId, SessionRules.ToStoragePrecision(clock.GetUtcNow()), Background: true))
            with
        { LastEventId = events is { Count: > 0 } ? events[^1].Id : found?.LastEventId ?? 0 };
        var partial = await SeenReplyAsync(orphan, session, events, history, cancel, ct).ConfigureAwait(false);
        List<RunEvent> closing = partial is null
            ? []
            : [new ItemDoneEvent(new AssistantMessageItem(partial.Id, session.Id, partial.CreatedAt, [new OutputText(partial.Text)]))];
        var continues = o.Takeover && !cancel;
        metrics.RunRecovered(continues ? "continued" : cancel ? "cancelled" : "ended");
        LogTakenOver(logger, orphan.RunId, session.Id, partial?.Text.Length ?? 0, continues);
        if (continues)
        {
            if (partial is not null)
            {
                await writer.WriteAsync(new TurnWrite(session.Id, [partial], null)).ConfigureAwait(false);
            }

            if (await starter.TakeOverAsync(session, run, partial is not null, [.. closing, new NoticeEvent("warning", ContinuesNotice)], ct).ConfigureAwait(false))
            {
                return true;
            }

            // The session was deleted (or emptied) since: there is nothing to go on with; the run ends as a stopped one.
            partial = null;
            closing = [];
        }

        // The reply as clients saw it is stored and the claim released in one write; then the log ends for every reader.
        await writer.WriteAsync(new TurnWrite(session.Id, partial is null ? [] : [partial], orphan.RunId)).ConfigureAwait(false);
        log.Adopt(run);
        foreach (var e in cancel ? closing : [.. closing, new StreamErrorEvent(StoppedError)])
        {
            log.Append(run.RunId, ThreadStreamJson.Serialize(e));
        }

        log.Complete(run.RunId);
        return true;
    }

    /// <summary>The text of the reply item clients were watching when the instance died, not yet stored; null when none.</summary>
    private async Task<ChatMessage?> SeenReplyAsync(
        OrphanedRun orphan, ChatSession session, IReadOnlyList<RunEventRecord>? events, IReadOnlyList<ChatMessage> history, bool cancel, CancellationToken ct)
    {
        var seen = events is { Count: > 0 } ? SeenText.Of(events) : null;
        Guid item;
        string text;
        DateTime at;
        if (seen?.ItemId is { } open)
        {
            (item, text, at) = (open, seen.Text, seen.CreatedAt);
        }
        else if (seen is null && await turns.ReadCheckpointAsync(orphan.RunId, ct).ConfigureAwait(false) is { } checkpoint)
        {
            (item, text, at) = (checkpoint.ItemId, checkpoint.Text, SessionRules.StoredAfter(SessionRules.ToStoragePrecision(clock.GetUtcNow()), history));
        }
        else
        {
            return null;
        }

        if (text.Length == 0 || history.Any(m => m.Id == item))
        {
            return null;
        }

        return new ChatMessage(item, session.Id, MessageRole.Assistant, [new ContentPart(ContentPart.OutputText, text)], null, MessageStatus.Incomplete, at)
        {
            Stopped = cancel,
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Took over run {RunId} of session {SessionId} from a dead instance: {Chars} characters clients saw stored, continued: {Continued}")]
    private static partial void LogTakenOver(ILogger logger, Guid runId, Guid sessionId, int chars, bool continued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not recover the orphaned run of session {SessionId} yet ({Reason}: the shared run log or the database is unreachable); the next round tries again")]
    private static partial void LogRecoveryPostponed(ILogger logger, Guid sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not recover the orphaned run of session {SessionId}")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception ex, Guid sessionId);
}
