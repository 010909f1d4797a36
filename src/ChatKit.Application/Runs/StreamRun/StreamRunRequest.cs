using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Domain.Sessions;
using Mediator;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Runs.StreamRun;

/// <summary>The second step of a turn: stream the reply as ChatKit events and store it however the stream ends.</summary>
public sealed record StreamRunRequest(StartedRun Run) : IStreamRequest<RunEvent>;

public enum RunOutcome
{
    Completed,
    UpstreamError,
    ClientCancelled,
}

public sealed partial class StreamRunHandler(
    ISessionStore store,
    IChatModel model,
    PromptBuilder prompts,
    TimeProvider clock,
    IOptions<RunOptions> runOptions,
    ILogger<StreamRunHandler> logger) : IStreamRequestHandler<StreamRunRequest, RunEvent>
{
    internal const string GenericFailure = "The assistant's reply failed. Please try again.";
    internal const string SaveFailure = "The assistant's reply could not be saved. Please try again.";

    private static readonly Meter Meter = new("ChatKit.Runs");
    private static readonly Counter<long> Runs = Meter.CreateCounter<long>("chatkit.runs", description: "Runs by outcome");
    private static readonly Histogram<double> FirstToken =
        Meter.CreateHistogram<double>("chatkit.run.time_to_first_token", "ms");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("chatkit.run.duration", "ms");

    public async IAsyncEnumerable<RunEvent> Handle(StreamRunRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var run = request.Run;
        var threadId = run.Session.Id;
        var started = Stopwatch.GetTimestamp();
        yield return new ItemDoneEvent(UserMessageItem.From(run.UserMessage));
        yield return new StreamOptionsEvent(new StreamOptions(AllowCancel: true));

        var replyId = Guid.CreateVersion7();
        var replyAt = SessionRules.ToStoragePrecision(clock.GetUtcNow());
        yield return new ItemAddedEvent(new AssistantMessageItem(replyId, threadId, replyAt, []));
        yield return new ItemUpdatedEvent(replyId, new ContentPartAdded(0, new OutputText(string.Empty)));

        var text = new StringBuilder();
        var stats = new RunStats();
        var storeAttempted = false;
        var lease = new RunLease(store, clock, logger, threadId, run.ClaimId, TimeSpan.FromSeconds(runOptions.Value.ClaimSeconds));

        // An async iterator runs nothing until MoveNextAsync, so every upstream failure surfaces in the loop below.
        var updates = model.StreamAsync(prompts.Build(run.History, run.UserMessage), cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            string? failure = null;
            while (stats.Outcome == RunOutcome.Completed)
            {
                string? delta;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    delta = updates.Current.TextDelta;
                    stats.Usage = updates.Current.Usage ?? stats.Usage;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    stats.Outcome = RunOutcome.ClientCancelled;
                    break;
                }
                catch (Exception ex)
                {
                    failure = Fail(stats, ex);
                    break;
                }

                if (string.IsNullOrEmpty(delta))
                {
                    continue;
                }

                stats.FirstTokenAt ??= Stopwatch.GetTimestamp();
                stats.Chunks++;
                text.Append(delta);
                yield return new ItemUpdatedEvent(replyId, new ContentPartTextDelta(0, delta));
            }

            var reply = Reply(run, replyId, replyAt, text, stats);
            storeAttempted = true;
            await lease.DisposeAsync().ConfigureAwait(false);
            var persisted = await PersistAsync(run, reply).ConfigureAwait(false);
            if (stats.Outcome == RunOutcome.ClientCancelled)
            {
                yield break;
            }

            if (failure is not null || !persisted)
            {
                yield return new StreamErrorEvent(failure ?? SaveFailure);
                yield break;
            }

            var final = new OutputText(text.ToString());
            yield return new ItemUpdatedEvent(replyId, new ContentPartDone(0, final));
            yield return new ItemDoneEvent(new AssistantMessageItem(replyId, threadId, replyAt, [final]));
            if (run.TitleChanged)
            {
                yield return new ThreadUpdatedEvent(new ThreadInfo(threadId, run.Session.Title, run.Session.CreatedAt));
            }
        }
        finally
        {
            if (!storeAttempted)
            {
                // The client went away while an event was being written: the reply ends here, cut short.
                if (stats.Outcome == RunOutcome.Completed)
                {
                    stats.Outcome = RunOutcome.ClientCancelled;
                }

                await lease.DisposeAsync().ConfigureAwait(false);
                await PersistAsync(run, Reply(run, replyId, replyAt, text, stats)).ConfigureAwait(false);
            }

            await updates.DisposeAsync().ConfigureAwait(false);

            Record(threadId, started, stats);
        }
    }

    private ChatMessage Reply(StartedRun run, Guid id, DateTime at, StringBuilder text, RunStats stats) => new(
        id,
        run.Session.Id,
        MessageRole.Assistant,
        [new ContentPart(ContentPart.OutputText, text.ToString())],
        null,
        stats.Outcome == RunOutcome.Completed ? MessageStatus.Completed : MessageStatus.Incomplete,
        at,
        model.Name,
        stats.Usage);

    private string Fail(RunStats stats, Exception ex)
    {
        stats.Outcome = RunOutcome.UpstreamError;
        if (ex is ChatModelException)
        {
            LogUpstreamFailed(logger, ex.Message, model.Name);
            return ex.Message;
        }

        LogRunFailed(logger, ex, model.Name);
        return GenericFailure;
    }

    private async Task<bool> PersistAsync(StartedRun run, ChatMessage reply)
    {
        try
        {
            // Not the request's token: a client that hung up still gets its partial reply stored.
            await store.CompleteTurnAsync(run.Session.Id, run.ClaimId, reply, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            LogPersistFailed(logger, ex, run.Session.Id);
            await TryReleaseClaimAsync(run).ConfigureAwait(false);
            return false;
        }
    }

    // Without this the session would answer RUN_IN_PROGRESS until the claim lapses.
    private async Task TryReleaseClaimAsync(StartedRun run)
    {
        try
        {
            await store.ReleaseRunClaimAsync(run.Session.Id, run.ClaimId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogReleaseFailed(logger, ex, run.Session.Id);
        }
    }

    private void Record(Guid sessionId, long started, RunStats stats)
    {
        var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        double? ttft = stats.FirstTokenAt is { } t ? Stopwatch.GetElapsedTime(started, t).TotalMilliseconds : null;
        var outcome = stats.Outcome.ToString();
        Runs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        Duration.Record(total, new KeyValuePair<string, object?>("outcome", outcome));
        if (ttft is { } first)
        {
            FirstToken.Record(first);
        }

        LogRunFinished(
            logger, sessionId, model.Name, outcome, ttft, total, stats.Chunks,
            stats.Usage?.PromptTokens, stats.Usage?.CompletionTokens, stats.Usage?.TotalTokens);
    }

    private sealed class RunStats
    {
        public RunOutcome Outcome { get; set; } = RunOutcome.Completed;

        public long? FirstTokenAt { get; set; }

        public int Chunks { get; set; }

        public TokenUsage? Usage { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Run on session {SessionId} with {Model} ended {Outcome}: first token {TimeToFirstTokenMs} ms, total {DurationMs} ms, " +
        "{Chunks} chunks, tokens {PromptTokens} in / {CompletionTokens} out / {TotalTokens} total")]
    private static partial void LogRunFinished(
        ILogger logger, Guid sessionId, string model, string outcome, double? timeToFirstTokenMs, double durationMs, int chunks,
        int? promptTokens, int? completionTokens, int? totalTokens);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream model {Model} failed: {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string reason, string model);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run with {Model} failed unexpectedly")]
    private static partial void LogRunFailed(ILogger logger, Exception ex, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the run claim on session {SessionId}; it lapses by itself")]
    private static partial void LogReleaseFailed(ILogger logger, Exception ex, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store the reply of session {SessionId}")]
    private static partial void LogPersistFailed(ILogger logger, Exception ex, Guid sessionId);
}
