using ChatKit.Application.Abstractions;
using ChatKit.Application.Attachments;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Engine;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Tools;
using ChatKit.Domain.Attachments;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Runs.StartRun;

/// <summary>
/// Starts a turn, for every door that starts one (the REST run, ChatKit's add-message, create and retry), top to bottom:
/// the start transaction reads the facts, the admission rule decides, the history is read, the first model call starts
/// while the user message commits and the session is claimed; then the turn runs in the run host and its run id is
/// handed back — a door only attaches responses to it.
/// </summary>
public sealed partial class TurnStarter(
    ITurnStore store,
    TurnRunner runner,
    TimeProvider clock,
    IOptions<RunOptions> runs,
    IOptions<PromptOptions> prompt,
    IOptions<BudgetOptions> budgets,
    RunMetrics metrics,
    IRunHost host,
    ITurnWriter writer,
    AttachmentLinks links,
    Recovery.OrphanWatch orphans,
    Plans.PlanCatalog plans,
    ILogger<TurnStarter> logger)
{
    /// <summary>The daily budgets of the request's plan (the service-wide cost limit is everyone's).</summary>
    private Budgets Budgets => budgets.Value.ToBudgets() with
    {
        TokensPerUserPerDay = plans.Current.TokensPerDay,
        UserCostPerDayUsd = plans.Current.CostPerDayUsd,
    };

    /// <summary>How long a send waits for the session's previous run, already ending, to free the session.</summary>
    private static readonly TimeSpan EndingRunWait = TimeSpan.FromSeconds(2);

    /// <param name="threadId">The thread id the request named apart from the session, if its protocol names one.</param>
    /// <param name="inputField">Where the message is in the door's request, for naming a refused attachment.</param>
    /// <param name="editOf">An edit: the user message this one replaces as a sibling (it and what followed stay, set aside).</param>
    /// <param name="newSession">A session to create in the turn's transaction (it exists only if the turn starts); the run's
    /// events then open with <c>thread.created</c>.</param>
    /// <returns>The run's id.</returns>
    public async Task<Result<Guid>> StartAsync(
        string userId, string rawSessionId, string? threadId, UserInput input, CancellationToken ct, bool background = false, ChatSession? newSession = null,
        string inputField = "message", string? editOf = null)
    {
        var parsed = PathId.Parse(rawSessionId, Errors.SessionNotFound);
        if (!parsed.IsSuccess)
        {
            return parsed.Error!;
        }

        var edited = editOf is null ? null : PathId.Parse(editOf, id => Errors.MessageNotFound(id, EditableMessage));
        if (edited is { IsSuccess: false })
        {
            return edited.Error!;
        }

        var sessionId = parsed.Value;
        var open = new OpenTurn(userId, sessionId, Budgets, edited?.Value) { NewSession = newSession, MaxSessionsPerUser = plans.Current.MaxSessions };

        // An edit is admitted like a retry: no message cap (it replaces a message), but its message must be there.
        var request = new AdmissionRequest(
            threadId is null || (Guid.TryParse(threadId, out var thread) && thread == sessionId), IsRetry: edited is not null, plans.Current.MaxMessagesPerSession, open.Budgets);
        var (tx, outcome) = await AdmitAsync(open, request, ct).ConfigureAwait(false);
        if (outcome == BeginTurnOutcome.ItemNotFound)
        {
            return Errors.MessageNotFound(editOf!, EditableMessage);
        }

        if (outcome != BeginTurnOutcome.Started)
        {
            return Refusal(outcome, rawSessionId, threadId, null);
        }

        await using (tx.ConfigureAwait(false))
        {
            var history = await tx.ReadHistoryAsync(prompt.Value.HistoryMaxMessages, ct).ConfigureAwait(false);

            // Timed under the lock: a send admitted after another turn's reply is stored after it, whatever its request's age.
            var at = StoredAt(history);

            // A client tool call still waiting is closed as skipped (before the message), so it never goes upstream alone.
            var closed = ClientToolCalls.Pending(history).Calls.Select(c => ChatMessage.FromTool(sessionId, c.Id, ClientToolCalls.Skipped, at)).ToList();
            history = [.. history, .. closed];
            // The attachments, locked until the commit: each the user's, uploaded and free, or the turn is refused naming it.
            var locked = input.AttachmentIds.Count == 0
                ? []
                : await tx.LockAttachmentsAsync(input.AttachmentIds.Select(Attachment.IdOrEmpty).ToList(), ct).ConfigureAwait(false);
            var attachments = MessageAttachments.Check(input.AttachmentIds, locked, userId, inputField);
            if (!attachments.IsSuccess)
            {
                return attachments.Error!;
            }

            var message = ChatMessage.FromUser(sessionId, input, closed.Count > 0 ? at.AddTicks(10) : at);
            message = message with { Model = message.Model ?? plans.DefaultModelOf(plans.Current), Attachments = attachments.Value.Select(a => a with { SessionId = sessionId, MessageId = message.Id }).ToList() };

            // The first model call starts now, while the message commits: time to first token is the longer of the two,
            // not their sum. If the commit fails the call is cancelled and never seen.
            var firstCall = runner.StartFirstCall(history, message, CancellationToken.None);
            var title = TurnAdmission.NewTitle(tx.Facts, SessionRules.TitleFromFirstMessage(input.Text));
            var claimId = Guid.CreateVersion7(); // the claim's id is the run's id
            ChatSession session;
            try
            {
                session = await tx.CommitAsync(
                    new CommitTurn(message, title, claimId, ClaimLength, background, TurnAdmission.Reservation(open.Budgets, history, message))
                    {
                        ToolResults = closed,
                        RetryItem = tx.Facts.RetryItem,
                    },
                    ct)
                    .ConfigureAwait(false);
            }
            catch
            {
                await firstCall.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return Run(
                new StartedRun(session, message, claimId, title is not null && title != tx.Facts.Title, history) { FirstCall = firstCall, Background = background },
                newSession is null ? null : new ThreadCreatedEvent(new ThreadInfo(newSession.Id, null, newSession.CreatedAt, ThreadStatus.Active)));
        }
    }

    private TimeSpan ClaimLength => TimeSpan.FromSeconds(runs.Value.ClaimSeconds);

    private const string EditableMessage = "a user message on the session's active branch";

    /// <summary>Now, timed under the session's lock: after the history read, whatever the clock of the instance that wrote it.</summary>
    private DateTime StoredAt(IReadOnlyList<ChatMessage> history) => SessionRules.StoredAfter(SessionRules.ToStoragePrecision(clock.GetUtcNow()), history);

    /// <summary>
    /// Opens the start transaction and decides. Sent again right after a hang-up, the run cut short may still be storing
    /// its reply: then it waits for that run and asks once more. Refused, the transaction is already rolled back.
    /// </summary>
    private async Task<(ITurnTransaction Tx, BeginTurnOutcome Outcome)> AdmitAsync(OpenTurn open, AdmissionRequest request, CancellationToken ct)
    {
        request = request with { OrphansWait = orphans.OrphansWait };
        for (var attempt = 0; ; attempt++)
        {
            var tx = await store.OpenAsync(open, ct).ConfigureAwait(false);
            var outcome = TurnAdmission.Decide(tx.Facts, request);
            if (outcome == BeginTurnOutcome.RunInProgress && tx.Facts.Orphaned)
            {
                orphans.Nudge();
            }

            WarnNearCostLimit(tx.Facts, open.Budgets);
            if (outcome == BeginTurnOutcome.Started)
            {
                return (tx, outcome);
            }

            await tx.DisposeAsync().ConfigureAwait(false);
            if (outcome != BeginTurnOutcome.RunInProgress || attempt > 0
                || !await host.WaitForEndingRunAsync(open.SessionId, EndingRunWait, ct).ConfigureAwait(false))
            {
                return (tx, outcome);
            }
        }
    }

    /// <summary>Once a UTC day per instance, a warning when 80 % of the daily cost limit is spent.</summary>
    private void WarnNearCostLimit(TurnFacts facts, Budgets budgets)
    {
        var day = clock.GetUtcNow().UtcDateTime.Date.Ticks / TimeSpan.TicksPerDay;
        if (budgets.MaxCostPerDayUsd > 0 && facts.CostToday >= budgets.MaxCostPerDayUsd * 0.8m && Interlocked.Exchange(ref _warnedDay, day) != day)
        {
            LogCostWarning(logger, facts.CostToday, budgets.MaxCostPerDayUsd);
        }
    }

    // The UTC day for which this instance already warned that 80 % of the daily cost limit is spent.
    private long _warnedDay = -1;

    [LoggerMessage(Level = LogLevel.Warning, Message = "80 % of the daily cost limit is spent: {CostUsd} of {LimitUsd} USD today")]
    private static partial void LogCostWarning(ILogger logger, decimal costUsd, decimal limitUsd);

    /// <summary>The error of a refused start, in the contract's words.</summary>
    private Error Refusal(BeginTurnOutcome outcome, string rawSessionId, string? threadId, string? rawItemId) => outcome switch
    {
        BeginTurnOutcome.Forbidden => Errors.Forbidden,
        BeginTurnOutcome.ThreadNotFound => Errors.ThreadNotFound(threadId!),
        BeginTurnOutcome.MessageLimit => Errors.MessageLimit(plans.Current.MaxMessagesPerSession),
        BeginTurnOutcome.RunInProgress => Errors.RunInProgress,
        BeginTurnOutcome.ItemNotFound => Errors.ItemNotFound(rawItemId!),
        BeginTurnOutcome.SessionLimit => Errors.SessionLimit(plans.Current.MaxSessions),
        BeginTurnOutcome.TokenBudgetExceeded or BeginTurnOutcome.DailyCostLimit => OverBudget(outcome),
        _ => Errors.SessionNotFound(rawSessionId),
    };

    private Error OverBudget(BeginTurnOutcome outcome)
    {
        var now = clock.GetUtcNow();
        var resets = BudgetOptions.ResetsAt(now);
        metrics.BudgetRefused(outcome == BeginTurnOutcome.DailyCostLimit ? "daily_cost" : "user_tokens");
        return outcome == BeginTurnOutcome.DailyCostLimit
            ? Errors.DailyCostLimit(resets - now)
            : Errors.TokenBudgetExceeded(plans.Current.TokensPerDay, resets, resets - now);
    }

    /// <summary>
    /// Runs the turn again from an earlier user message: every later message is set aside in the same transaction, kept as
    /// the branch the new reply is a sibling of.
    /// </summary>
    /// <returns>The run's id.</returns>
    public async Task<Result<Guid>> RetryAsync(string userId, string rawSessionId, string rawItemId, CancellationToken ct)
    {
        var sessionId = PathId.Parse(rawSessionId, Errors.SessionNotFound);
        if (!sessionId.IsSuccess)
        {
            return sessionId.Error!;
        }

        var itemId = PathId.Parse(rawItemId, Errors.ItemNotFound);
        if (!itemId.IsSuccess)
        {
            return itemId.Error!;
        }

        var open = new OpenTurn(userId, sessionId.Value, Budgets, itemId.Value);
        var (tx, outcome) = await AdmitAsync(open, new AdmissionRequest(true, IsRetry: true, plans.Current.MaxMessagesPerSession, open.Budgets), ct)
            .ConfigureAwait(false);
        if (outcome != BeginTurnOutcome.Started)
        {
            return Refusal(outcome, rawSessionId, null, rawItemId);
        }

        await using (tx.ConfigureAwait(false))
        {
            var item = tx.Facts.RetryItem!;
            var history = await tx.ReadHistoryAsync(prompt.Value.HistoryMaxMessages, ct).ConfigureAwait(false);
            var claimId = Guid.CreateVersion7();
            var session = await tx.CommitAsync(
                new CommitTurn(null, null, claimId, ClaimLength, false, TurnAdmission.Reservation(open.Budgets, history, item)) { RetryItem = item }, ct)
                .ConfigureAwait(false);
            return Run(new StartedRun(session, item, claimId, false, [.. history, item]) { IsRetry = true });
        }
    }

    /// <summary>
    /// Goes on with the turn whose step waits for a client tool (<c>threads.add_client_tool_output</c>): the result is stored
    /// under the call's id in the start transaction, which claims the session, and the turn continues from that step.
    /// </summary>
    /// <returns>The run's id.</returns>
    public async Task<Result<Guid>> ContinueAsync(string userId, string rawThreadId, string resultJson, CancellationToken ct)
    {
        var sessionId = PathId.Parse(rawThreadId, Errors.SessionNotFound);
        if (!sessionId.IsSuccess)
        {
            return sessionId.Error!;
        }

        var open = new OpenTurn(userId, sessionId.Value, Budgets);
        var (tx, outcome) = await AdmitAsync(open, new AdmissionRequest(true, IsRetry: true, plans.Current.MaxMessagesPerSession, open.Budgets) { NeedsItem = false }, ct)
            .ConfigureAwait(false);
        if (outcome != BeginTurnOutcome.Started)
        {
            return Refusal(outcome, rawThreadId, null, null);
        }

        await using (tx.ConfigureAwait(false))
        {
            var history = await tx.ReadHistoryAsync(prompt.Value.HistoryMaxMessages, ct).ConfigureAwait(false);
            var (step, calls) = ClientToolCalls.Pending(history);
            var user = history.LastOrDefault(m => m.Role == MessageRole.User);
            if (step is null || user is null)
            {
                return Errors.NoPendingToolCall;
            }

            var call = calls[0];
            var result = ChatMessage.FromTool(
                sessionId.Value, call.Id, StorableText.Repair(resultJson), StoredAt(history));
            var claimId = Guid.CreateVersion7();
            var session = await tx.CommitAsync(
                new CommitTurn(null, null, claimId, ClaimLength, false, TurnAdmission.Reservation(open.Budgets, history, result)) { ToolResults = [result] }, ct)
                .ConfigureAwait(false);
            var answered = ClientToolCallItem.Of(step.Id, session.Id, step.CreatedAt, step.ToolCalls!.ToList().IndexOf(call), call, result.Text);
            return Run(new StartedRun(session, user, claimId, false, [.. history, result]) { Continues = result, Answered = answered });
        }
    }

    /// <summary>
    /// Goes on with a turn whose instance died (the caller took over its claim and stored what clients saw): from the
    /// session's stored history, in the same run, its events numbered after those of <paramref name="run"/>. The first
    /// events are <paramref name="opening"/> (the cut item closed, a notice); a reply cut mid-text gets a system line
    /// asking the model to go on from where it stopped.
    /// </summary>
    /// <returns>False when there is no turn to go on with (the session was deleted or emptied meanwhile): nothing was started.</returns>
    public async Task<bool> TakeOverAsync(ChatSession session, RunInfo run, bool cutMidText, IReadOnlyList<RunEvent> opening, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(run);
        var history = await store.ReadHistoryAsync(session.Id, prompt.Value.HistoryMaxMessages, ct).ConfigureAwait(false);
        if (history.All(m => m.Role != MessageRole.User))
        {
            return false;
        }

        history = await ResultsOfCutStepAsync(session, history, ct).ConfigureAwait(false);
        var user = history.Last(m => m.Role == MessageRole.User);
        var last = history[^1];
        if (cutMidText)
        {
            history = [.. history, ChatMessage.FromNote(session.Id, CutNote, last.CreatedAt)];
        }

        var started = new StartedRun(session, user, run.RunId, false, history)
        {
            Continues = last,
            Background = run.Background,
            MessagesLeft = plans.Current.MaxMessagesPerSession - session.MessageCount,
        };
        var events = ThreadStreamMapper.MapAsync(runner.RunAsync(started, CancellationToken.None), links);
        host.Adopt(new TurnStream(run.RunId, session.Id, session.UserId, run.Background, Prepend(opening, events)), run);
        return true;
    }

    /// <summary>
    /// The last step stored before its calls ran, cut before their results were written: each call that changed a task is
    /// read back (its change recorded it, ADR-023) and answered as done; one that did not is answered as not run. The
    /// results are stored, and no call runs twice; the model decides what to do about the ones that did not run.
    /// </summary>
    private async Task<IReadOnlyList<ChatMessage>> ResultsOfCutStepAsync(ChatSession session, IReadOnlyList<ChatMessage> history, CancellationToken ct)
    {
        var at = history.Count == 0 ? -1 : history.ToList().FindLastIndex(m => m.Role is MessageRole.User or MessageRole.Assistant);
        if (at < 0 || history[at] is not { Role: MessageRole.Assistant, ToolCalls: { Count: > 0 } calls } step)
        {
            return history;
        }

        var answered = history.Skip(at + 1).Where(m => m.Role == MessageRole.Tool).Select(m => m.ToolCallId).ToHashSet(StringComparer.Ordinal);
        var open = calls.Where(c => !answered.Contains(c.Id) && !AgentTools.IsClient(c)).ToList();
        if (open.Count == 0)
        {
            return history;
        }

        var acted = (await store.ReadToolEffectsAsync(session.Id, open.Select(c => c.Id).ToList(), ct).ConfigureAwait(false))
            .ToDictionary(e => e.CallId, StringComparer.Ordinal);
        var time = StoredAt(history);
        var results = open.Select((c, i) => ChatMessage.FromTool(
            session.Id,
            c.Id,
            Toolbox.Serialize(acted.TryGetValue(c.Id, out var effect)
                ? new ToolOutcome(true, new System.Text.Json.Nodes.JsonObject { ["success"] = true, ["task_id"] = effect.TaskId?.ToString(), ["note"] = ActedBeforeTheStop })
                : ToolOutcome.Failed(NotRunBeforeTheStop)),
            time.AddTicks(10 * i))).ToList();
        await writer.WriteAsync(new TurnWrite(session.Id, results, null)).ConfigureAwait(false);
        return [.. history, .. results];
    }

    internal const string ActedBeforeTheStop = "done before the server running this reply stopped (its exact result was not kept)";

    internal const string NotRunBeforeTheStop = "not run: the server running this reply stopped before this call";

    /// <summary>What the model is told when the reply it was writing was cut by its server's death.</summary>
    public const string CutNote =
        "The assistant's reply above was cut off when the server writing it stopped. Continue it from exactly where it stops, without repeating what it already says.";

    /// <summary>Hands the started turn to the run host; its events open with <paramref name="first"/> when there is one.</summary>
    private Guid Run(StartedRun started, RunEvent? first = null)
    {
        var run = started with { MessagesLeft = plans.Current.MaxMessagesPerSession - started.Session.MessageCount };
        var events = ThreadStreamMapper.MapAsync(runner.RunAsync(run, CancellationToken.None), links);
        return host.Start(new TurnStream(run.ClaimId, run.Session.Id, run.Session.UserId, run.Background, first is null ? events : Prepend(first, events)));
    }

    private static IAsyncEnumerable<RunEvent> Prepend(RunEvent first, IAsyncEnumerable<RunEvent> rest) => Prepend([first], rest);

    private static async IAsyncEnumerable<RunEvent> Prepend(
        IReadOnlyList<RunEvent> first, IAsyncEnumerable<RunEvent> rest, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var e in first)
        {
            yield return e;
        }

        await foreach (var e in rest.WithCancellation(ct).ConfigureAwait(false))
        {
            yield return e;
        }
    }
}
