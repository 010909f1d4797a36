using System.Diagnostics;
using System.Runtime.CompilerServices;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Attachments;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Tools;
using ChatKit.Application.Widgets;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Runs.Engine;

/// <summary>
/// Runs a started turn: calls the model with the tools, runs the calls it asks for, sends their results back,
/// and repeats until the model answers in words or <c>AGENT_MAX_STEPS</c> calls are spent (the last one is
/// offered no tools). Every step is stored as it completes; whatever way the turn ends (finished, failed,
/// the client gone) what it produced is stored and the run claim is released. Yields what happened as
/// protocol-neutral <see cref="TurnEvent"/>s.
/// </summary>
public sealed partial class TurnRunner(
    IChatModel model,
    Toolbox toolbox,
    AgentTools agentTools,
    ITurnStore turns,
    ITurnWriter writer,
    PromptBuilder prompts,
    PromptAttachmentReader attachments,
    TimeProvider clock,
    IOptions<RunOptions> options,
    Plans.PlanCatalog plans,
    RunMetrics metrics,
    ILogger<TurnRunner> logger)
{
    internal const string GenericFailure = "The assistant's reply failed. Please try again.";
    internal const string SaveFailure = "The assistant's reply could not be saved. Please try again.";
    internal const string SaveDelayed = "The assistant's reply is not saved yet; it is kept and will appear in the session once the database answers.";
    internal const string NotRun = "not run: the turn was cancelled before this call";

    /// <summary>Starts the first model call of a turn whose prompt is known (see <see cref="EarlyModelCall"/>).</summary>
    public EarlyModelCall StartFirstCall(IReadOnlyList<ChatMessage> history, ChatMessage userMessage, CancellationToken ct) =>
        EarlyModelCall.Start(Call, FirstPrompt(history, userMessage), ct);

    /// <summary>One model call; a prompt with attachments has them read first (a prompt without goes straight upstream).</summary>
    private IAsyncEnumerable<ChatModelUpdate> Call(ChatPrompt prompt, CancellationToken ct) =>
        prompt.Messages.Any(m => m.Attachments.Count > 0) ? CallWithAttachmentsAsync(prompt, ct) : model.StreamAsync(prompt, ct);

    private async IAsyncEnumerable<ChatModelUpdate> CallWithAttachmentsAsync(ChatPrompt prompt, [EnumeratorCancellation] CancellationToken ct)
    {
        var loaded = await attachments.LoadAsync(prompt, ct).ConfigureAwait(false);
        await foreach (var update in model.StreamAsync(loaded, ct).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private ChatPrompt FirstPrompt(IReadOnlyList<ChatMessage> history, ChatMessage userMessage)
    {
        var tools = options.Value.MaxSteps > 1 ? agentTools.Offered : [];
        return prompts.Build(history, userMessage) with
        {
            Tools = tools,
            Model = userMessage.Model,
            ToolChoice = tools.Count > 0 ? userMessage.ToolChoice : null,
        };
    }

    /// <summary>The model every call of the turn uses: the one the user chose in the composer, else the default.</summary>
    private string ModelOf(StartedRun run) => run.UserMessage.Model ?? model.Name;

    /// <summary>
    /// The turn: model steps and tool steps in turn until the model answers in words (or the steps or the session run out,
    /// or the turn fails or is cancelled), then its one ending, which stores the reply and releases the claim.
    /// </summary>
    public async IAsyncEnumerable<TurnEvent> RunAsync(StartedRun run, [EnumeratorCancellation] CancellationToken ct)
    {
        var o = options.Value;
        var turn = new TurnState(run, new TurnClock(clock, run.Continues?.CreatedAt ?? run.UserMessage.CreatedAt));
        var conversation = run.FirstCall?.Prompt
            ?? (run.Continues is null ? FirstPrompt(run.History, run.UserMessage) : prompts.Continue(run.History) with { Model = run.UserMessage.Model });
        var messages = conversation.Messages.ToList();
        var lease = new RunLease(turns, clock, logger, run.Session.Id, run.ClaimId, TimeSpan.FromSeconds(o.ClaimSeconds));
        try
        {
            // Inside the try: a consumer that fails on the very first event still ends the turn (claim released, lease stopped).
            yield return new TurnStarted(run.UserMessage, run.IsRetry || run.Continues is not null, run.Answered);
            while (turn.Outcome == RunOutcome.Running)
            {
                var step = turn.BeginStep(ModelOf(run));

                // A tool step stores a message and the turn's reply one more: offer tools only while both fit the session.
                var offerTools = turn.Steps < o.MaxSteps && turn.Steps < run.MessagesLeft;
                await foreach (var e in ModelStepAsync(run, turn, step, conversation with { Messages = messages.ToList() }, offerTools, ct).ConfigureAwait(false))
                {
                    yield return e;
                }

                if (turn.Outcome != RunOutcome.Running || step.Calls.Count == 0 || !offerTools)
                {
                    break;
                }

                await foreach (var e in ToolStepAsync(run, turn, step, messages, ct).ConfigureAwait(false))
                {
                    yield return e;
                }

                if (turn.Outcome == RunOutcome.Paused)
                {
                    break; // a client tool answers in the browser; threads.add_client_tool_output continues the turn
                }

                if (ct.IsCancellationRequested)
                {
                    turn.Outcome = RunOutcome.ClientCancelled;
                }
            }

            // The last write stores the reply and releases the claim; it is waited for. (The lease stops first: from End on,
            // the ending is the writer's to store, whatever happens here.)
            await lease.DisposeAsync().ConfigureAwait(false);
            var end = End(run, turn);
            var failure = await SaveAsync(turn, end.Write).ConfigureAwait(false);
            turn.Stored();
            if ((turn.Failure ?? failure) is { } failed)
            {
                turn.Fail(failed);
                yield return new TurnFailed(failed);
                yield break;
            }

            if (turn.Outcome == RunOutcome.Running)
            {
                turn.Outcome = end.Ending == TurnEnding.Completed ? RunOutcome.Completed : RunOutcome.Incomplete;
            }

            if (end.Reply is { } reply)
            {
                yield return new StepCompleted(reply, [], []);
            }

            yield return new TurnFinished(end.Ending, ThreadAfter(run, turn));
        }
        finally
        {
            if (!turn.Finished)
            {
                // The consumer stopped reading mid-turn: the same ending, cut short. Nobody waits for it; the writer keeps
                // it until it is stored.
                if (turn.Outcome == RunOutcome.Running)
                {
                    turn.Outcome = RunOutcome.ClientCancelled;
                }

                var pending = writer.WriteAsync(End(run, turn).Write);
                _ = pending.ContinueWith(
                    static (t, state) => LogPersistFailed((ILogger)state!, t.Exception!),
                    logger,
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted,
                    TaskScheduler.Default);
            }

            await lease.DisposeAsync().ConfigureAwait(false);
            Record(run.Session.Id, turn);
        }
    }

    /// <summary>One model call: streams its text and collects its tool calls into <paramref name="step"/>.</summary>
    private async IAsyncEnumerable<TurnEvent> ModelStepAsync(
        StartedRun run, TurnState turn, StepDraft step, ChatPrompt conversation, bool offerTools, [EnumeratorCancellation] CancellationToken ct)
    {
        // The early first call was started before the session's count was known: used only if it offered the same.
        var early = turn.Steps == 1 ? run.FirstCall : null;
        if (early is not null && early.Prompt.Tools.Count > 0 != offerTools)
        {
            await early.DisposeAsync().ConfigureAwait(false);
            early = null;
        }

        // The composer's tool choice forces the turn's first call only; later calls choose for themselves.
        var prompt = early?.Prompt ?? conversation with
        {
            Tools = offerTools ? agentTools.Offered : [],
            ToolChoice = offerTools && turn.Steps == 1 ? conversation.ToolChoice : null,
        };
        step.Prompt = prompt;
        var updates = early is not null ? early.TakeOver(ct) : Call(prompt, ct).GetAsyncEnumerator(ct);
        try
        {
            while (turn.Outcome == RunOutcome.Running)
            {
                ChatModelUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception) when (ct.IsCancellationRequested)
                {
                    // Cancelled: what the torn-down call threw on its way out is the cancel, not a failure.
                    turn.Outcome = RunOutcome.ClientCancelled;
                    break;
                }
                catch (Exception ex)
                {
                    turn.Fail(Describe(ex));
                    break;
                }

                step.Absorb(update);
                if (update.TextDelta is { Length: > 0 } raw)
                {
                    var delta = StorableText.Repair(raw);
                    step.Text.Append(delta);
                    turn.FirstTokenAt ??= Stopwatch.GetTimestamp();
                    yield return new TextDelta(step.Id, run.Session.Id, step.CreatedAt, delta);
                }
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the step's calls in order, each to its end whatever the client does (so its effect always has its record), and
    /// queues the step's write: its message, the results and the widgets of its listing calls. The next model call need
    /// not wait for that commit; the turn's last write, which is awaited, comes after it.
    /// </summary>
    private async IAsyncEnumerable<TurnEvent> ToolStepAsync(
        StartedRun run, TurnState turn, StepDraft step, List<PromptMessage> messages, [EnumeratorCancellation] CancellationToken ct)
    {
        var widgets = new List<TaskListWidget>();
        var pending = new List<int>();

        // Tools act once (ADR-023): before a call that changes tasks runs, its step (the calls, with their ids) is stored,
        // and each change records its call in its own transaction, so a survivor of this instance's death reads back
        // what ran instead of running it again. Steps that only read are written once, at their end, as before.
        if (!ct.IsCancellationRequested && step.Calls.Any(c => toolbox.ChangesTasks(c) && !step.Refusals.ContainsKey(c.Id)))
        {
            await writer.WriteAsync(new TurnWrite(run.Session.Id, [step.ToMessage(MessageStatus.Completed)], null)).ConfigureAwait(false);
            step.Stored = true;
        }

        for (var i = 0; i < step.Calls.Count; i++)
        {
            var call = step.Calls[i];
            if (ct.IsCancellationRequested)
            {
                step.Results.Add(NotRunResult(run, turn, call));
                continue;
            }

            if (AgentTools.IsClient(call) && !step.Refusals.ContainsKey(call.Id))
            {
                pending.Add(i); // answered in the browser: stored without a result, which the prompt never sends without
                continue;
            }

            var title = toolbox.TitleOf(call);
            yield return new ToolCallStarted(step.Id, run.Session.Id, step.CreatedAt, i, call, title, toolbox.IconOf(call));
            var started = Stopwatch.GetTimestamp();
            ToolOutcome outcome;
            if (step.Refusals.TryGetValue(call.Id, out var refusal))
            {
                outcome = ToolOutcome.Failed(refusal);
            }
            else
            {
                using (ToolCallScope.Begin(new ToolCallRecord(run.Session.Id, call.Id)))
                {
                    outcome = await toolbox.InvokeAsync(run.Session.UserId, call, CancellationToken.None).ConfigureAwait(false);
                }
            }

            metrics.ToolCalled(toolbox.Knows(call) ? call.Function.Name : "unknown", outcome.Success, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var result = ChatMessage.FromTool(run.Session.Id, call.Id, StorableText.Repair(Toolbox.Serialize(outcome)), turn.Clock.Next());
            step.Results.Add(result);
            if (toolbox.ListsTasks(call, outcome))
            {
                widgets.Add(TaskListWidget.FromListing(run.Session.Id, step.Id, i, result.CreatedAt, outcome.Result));
            }

            yield return new ToolCallFinished(step.Id, i, title, outcome, toolbox.Summarize(call, result.Text), toolbox.ChangeOf(call, outcome));
        }

        var stored = step.ToMessage(MessageStatus.Completed);
        turn.Queued.Add(writer.WriteAsync(new TurnWrite(run.Session.Id, step.Stored ? [.. step.Results] : [stored, .. step.Results], null)
        {
            Usage = step.Ledger(run.Session.UserId, run.ClaimId, stored.CreatedAt),
            Widgets = widgets,
        }));
        turn.Stored();
        yield return new StepCompleted(stored, step.Results, widgets);
        if (pending.Count > 0 && !ct.IsCancellationRequested)
        {
            foreach (var i in pending)
            {
                yield return new ClientToolCallPending(step.Id, run.Session.Id, step.CreatedAt, i, step.Calls[i]);
            }

            turn.Outcome = RunOutcome.Paused;
            yield break;
        }

        messages.Add(new PromptMessage(MessageRole.Assistant, stored.Text, step.Calls));
        messages.AddRange(step.Results.Select(r => new PromptMessage(MessageRole.Tool, r.Text, ToolCallId: r.ToolCallId)));
    }

    /// <summary>What a turn's ending stores, whichever way it ended (a paused turn stores no reply).</summary>
    private sealed record TurnEnd(TurnEnding Ending, ChatMessage? Reply, TurnWrite Write);

    /// <summary>
    /// The one ending of a turn — finished, cut at its length limit or by a filter, cancelled, failed: its last write
    /// stores the reply (<c>incomplete</c> unless it finished, marked stopped when cancelled) and releases the claim. Cut
    /// between steps, the reply is empty, as a single-step turn cut before its first word; cut in the middle of a step's
    /// calls, the step keeps the calls that ran and records the rest as not run, so no call is ever stored without a result.
    /// </summary>
    private TurnEnd End(StartedRun run, TurnState turn)
    {
        turn.Finished = true;
        if (turn.Outcome == RunOutcome.Paused)
        {
            // The step that called the client tool is stored; the claim goes, so the session is free while the browser answers.
            return new TurnEnd(TurnEnding.Paused, null, new TurnWrite(run.Session.Id, [], run.ClaimId));
        }

        var step = turn.Current ?? turn.BeginStep(ModelOf(run));
        var cancelled = turn.Outcome == RunOutcome.ClientCancelled;
        var ending = cancelled ? TurnEnding.Cancelled : turn.Ending;
        ChatMessage reply;
        List<ChatMessage> messages;
        if (step.Results.Count > 0)
        {
            reply = step.ToMessage(MessageStatus.Incomplete) with { Stopped = cancelled };
            messages = [
                .. step.Stored ? [] : new[] { reply },
                .. step.Results,
                .. step.Calls.Where(c => step.Results.All(r => r.ToolCallId != c.Id)).Select(c => NotRunResult(run, turn, c)),
            ];
        }
        else
        {
            var finished = turn.Outcome == RunOutcome.Running && ending == TurnEnding.Completed;
            reply = step.ToMessage(finished ? MessageStatus.Completed : MessageStatus.Incomplete, withCalls: false) with { Stopped = cancelled };
            messages = [reply];
        }

        return new TurnEnd(ending, reply, new TurnWrite(run.Session.Id, messages, run.ClaimId)
        {
            Usage = step.Ledger(run.Session.UserId, run.ClaimId, turn.Clock.Next()),
        });
    }

    /// <summary>
    /// The thread as the turn leaves it, when that changed: named by its first message, or locked because the turn
    /// filled it to <c>MAX_MESSAGES_PER_SESSION</c> (each step stored one message that counts).
    /// </summary>
    private ThreadInfo? ThreadAfter(StartedRun run, TurnState turn)
    {
        var locked = turn.Steps >= run.MessagesLeft;
        return locked || run.TitleChanged
            ? new ThreadInfo(run.Session.Id, run.Session.Title, run.Session.CreatedAt, locked ? ThreadStatus.Locked(plans.Current.MaxMessagesPerSession) : ThreadStatus.Active)
            : null;
    }

    /// <summary>The recorded result of a call that never ran, so the history never holds a call without its result.</summary>
    private static ChatMessage NotRunResult(StartedRun run, TurnState turn, ToolCall call) =>
        ChatMessage.FromTool(run.Session.Id, call.Id, Toolbox.Serialize(ToolOutcome.Failed(NotRun)), turn.Clock.Next());

    /// <summary>
    /// Waits for the turn's last write and the steps queued before it; null when all are stored, else the failure to
    /// tell the client (a write that is only slow is never dropped).
    /// </summary>
    private async Task<string?> SaveAsync(TurnState turn, TurnWrite write)
    {
        var pending = writer.WriteAsync(write);
        try
        {
            await Task.WhenAll(turn.Queued.Append(pending)).WaitAsync(options.Value.SaveWait).ConfigureAwait(false);
            return null;
        }
        catch (TimeoutException)
        {
            LogSaveDelayed(logger, write.SessionId);
            return SaveDelayed;
        }
        catch (Exception ex)
        {
            LogPersistFailed(logger, ex);
            if (write.ReleaseClaimId is { } claim)
            {
                await TryReleaseClaimAsync(write.SessionId, claim).ConfigureAwait(false);
            }

            turn.Outcome = RunOutcome.Failed;
            return SaveFailure;
        }
    }

    private string Describe(Exception ex)
    {
        if (ex is ChatModelException)
        {
            LogUpstreamFailed(logger, ex.Message, model.Name);
            return ex.Message;
        }

        LogRunFailed(logger, ex, model.Name);
        return GenericFailure;
    }

    // Without this the session would answer RUN_IN_PROGRESS until the claim lapses.
    private async Task TryReleaseClaimAsync(Guid sessionId, Guid claimId)
    {
        try
        {
            await turns.ReleaseRunClaimAsync(sessionId, claimId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogReleaseFailed(logger, ex, sessionId);
        }
    }

    private void Record(Guid sessionId, TurnState turn)
    {
        var total = Stopwatch.GetElapsedTime(turn.StartedAt).TotalMilliseconds;
        double? ttft = turn.FirstTokenAt is { } t ? Stopwatch.GetElapsedTime(turn.StartedAt, t).TotalMilliseconds : null;
        var outcome = turn.Outcome.ToString();
        metrics.RunEnded(outcome, total, ttft, turn.Steps);
        LogRunFinished(
            logger, sessionId, model.Name, outcome, ttft, total, turn.Steps, turn.ToolCalls,
            turn.Usage?.PromptTokens, turn.Usage?.CompletionTokens, turn.Usage?.TotalTokens);
    }

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Run on session {SessionId} with {Model} ended {Outcome}: first token {TimeToFirstTokenMs} ms, total {DurationMs} ms, " +
        "{Steps} steps, {ToolCalls} tool calls, tokens {PromptTokens} in / {CompletionTokens} out / {TotalTokens} total")]
    private static partial void LogRunFinished(
        ILogger logger, Guid sessionId, string model, string outcome, double? timeToFirstTokenMs, double durationMs, int steps, int toolCalls,
        int? promptTokens, int? completionTokens, int? totalTokens);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream model {Model} failed: {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string reason, string model);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run with {Model} failed unexpectedly")]
    private static partial void LogRunFailed(ILogger logger, Exception ex, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the run claim on session {SessionId}; it lapses by itself")]
    private static partial void LogReleaseFailed(ILogger logger, Exception ex, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "A turn's messages could not be stored")]
    private static partial void LogPersistFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply of session {SessionId} is still queued for storage; the client was told")]
    private static partial void LogSaveDelayed(ILogger logger, Guid sessionId);
}
