using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.Engine;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Threads;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Runs.StartRun;

/// <summary>
/// Starts a turn, for every door that starts one (the REST run, ChatKit's add-message, create and retry): one transaction
/// checks everything, commits the user message and claims the session, then the turn runs in the run host
/// and its run id is handed back — a door only attaches responses to it.
/// </summary>
public sealed class TurnStarter(
    ITurnStore store,
    TurnRunner runner,
    TimeProvider clock,
    IOptions<LimitsOptions> limits,
    IOptions<RunOptions> runs,
    IOptions<PromptOptions> prompt,
    IOptions<BudgetOptions> budgets,
    RunMetrics metrics,
    IRunHost host)
{
    /// <summary>How long a send waits for the session's previous run, already ending, to free the session.</summary>
    private static readonly TimeSpan EndingRunWait = TimeSpan.FromSeconds(2);

    /// <param name="threadId">The thread id the request named apart from the session, if its protocol names one.</param>
    /// <param name="newSession">A session to create in the turn's transaction (it exists only if the turn starts); the run's
    /// events then open with <c>thread.created</c>.</param>
    /// <returns>The run's id.</returns>
    public async Task<Result<Guid>> StartAsync(
        string userId, string rawSessionId, string? threadId, string text, CancellationToken ct, bool background = false, ChatSession? newSession = null)
    {
        var parsed = PathId.Parse(rawSessionId, Errors.SessionNotFound);
        if (!parsed.IsSuccess)
        {
            return parsed.Error!;
        }

        var sessionId = parsed.Value;
        var maxMessages = limits.Value.MaxMessagesPerSession;
        var turn = new BeginTurn(
            userId,
            ChatMessage.FromUser(sessionId, text, SessionRules.ToStoragePrecision(clock.GetUtcNow())),
            maxMessages,
            Guid.CreateVersion7(), // the claim's id is the run's id
            TimeSpan.FromSeconds(runs.Value.ClaimSeconds),
            SessionRules.TitleFromFirstMessage(text),
            threadId is null || (Guid.TryParse(threadId, out var thread) && thread == sessionId),
            prompt.Value.HistoryMaxMessages)
        {
            Background = background,
            Budgets = budgets.Value.ToBudgets(),
            NewSession = newSession,
            MaxSessionsPerUser = limits.Value.MaxSessionsPerUser,
        };
        EarlyModelCall? firstCall = null;
        turn = turn with { Checked = history => firstCall = runner.StartFirstCall(history, turn.UserMessage, CancellationToken.None) };

        // One transaction answers every check after validation, in the contract's order, and commits the message.
        BeginTurnResult begun;
        try
        {
            begun = await store.BeginTurnAsync(turn, ct).ConfigureAwait(false);

            // Sent again right after a hang-up: the run cut short is still storing its reply. Wait for it, then ask again.
            if (begun.Outcome == BeginTurnOutcome.RunInProgress
                && await host.WaitForEndingRunAsync(sessionId, EndingRunWait, ct).ConfigureAwait(false))
            {
                begun = await store.BeginTurnAsync(turn, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            if (firstCall is not null)
            {
                await firstCall.DisposeAsync().ConfigureAwait(false); // the message was not stored: nobody asked
            }

            throw;
        }

        return begun.Outcome switch
        {
            BeginTurnOutcome.Started => Run(
                new StartedRun(begun.Session!, begun.UserMessage!, turn.ClaimId, begun.TitleChanged, begun.History)
                {
                    FirstCall = firstCall,
                    Background = background,
                },
                newSession is null ? null : new ThreadCreatedEvent(new ThreadInfo(newSession.Id, null, newSession.CreatedAt, ThreadStatus.Active))),
            BeginTurnOutcome.Forbidden => Errors.Forbidden,
            BeginTurnOutcome.ThreadNotFound => Errors.ThreadNotFound(threadId!),
            BeginTurnOutcome.MessageLimit => Errors.MessageLimit(maxMessages),
            BeginTurnOutcome.RunInProgress => Errors.RunInProgress,
            BeginTurnOutcome.SessionLimit => Errors.SessionLimit(limits.Value.MaxSessionsPerUser),
            BeginTurnOutcome.TokenBudgetExceeded or BeginTurnOutcome.DailyCostLimit => OverBudget(begun.Outcome),
            _ => Errors.SessionNotFound(rawSessionId),
        };
    }

    private Error OverBudget(BeginTurnOutcome outcome)
    {
        var now = clock.GetUtcNow();
        var resets = BudgetOptions.ResetsAt(now);
        metrics.BudgetRefused(outcome == BeginTurnOutcome.DailyCostLimit ? "daily_cost" : "user_tokens");
        return outcome == BeginTurnOutcome.DailyCostLimit
            ? Errors.DailyCostLimit(resets - now)
            : Errors.TokenBudgetExceeded(budgets.Value.TokensPerUserPerDay, resets, resets - now);
    }

    /// <summary>Runs the turn again from an earlier user message: every later message is deleted in the same transaction.</summary>
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

        var retry = new RetryTurn(
            userId, sessionId.Value, itemId.Value, Guid.CreateVersion7(), TimeSpan.FromSeconds(runs.Value.ClaimSeconds), prompt.Value.HistoryMaxMessages)
        {
            Budgets = budgets.Value.ToBudgets(),
        };
        var begun = await store.BeginRetryAsync(retry, ct).ConfigureAwait(false);
        return begun.Outcome switch
        {
            BeginTurnOutcome.Started => Run(new StartedRun(begun.Session!, begun.History[^1], retry.ClaimId, false, begun.History) { IsRetry = true }),
            BeginTurnOutcome.Forbidden => Errors.Forbidden,
            BeginTurnOutcome.RunInProgress => Errors.RunInProgress,
            BeginTurnOutcome.ItemNotFound => Errors.ItemNotFound(rawItemId),
            BeginTurnOutcome.TokenBudgetExceeded or BeginTurnOutcome.DailyCostLimit => OverBudget(begun.Outcome),
            _ => Errors.SessionNotFound(rawSessionId),
        };
    }

    /// <summary>Hands the started turn to the run host; its events open with <paramref name="first"/> when there is one.</summary>
    private Guid Run(StartedRun started, RunEvent? first = null)
    {
        var run = started with { MessagesLeft = limits.Value.MaxMessagesPerSession - started.Session.MessageCount };
        var events = ThreadStreamMapper.MapAsync(runner.RunAsync(run, CancellationToken.None));
        return host.Start(new TurnStream(run.ClaimId, run.Session.Id, run.Session.UserId, run.Background, first is null ? events : Prepend(first, events)));
    }

    private static async IAsyncEnumerable<RunEvent> Prepend(
        RunEvent first, IAsyncEnumerable<RunEvent> rest, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        yield return first;
        await foreach (var e in rest.WithCancellation(ct).ConfigureAwait(false))
        {
            yield return e;
        }
    }
}
