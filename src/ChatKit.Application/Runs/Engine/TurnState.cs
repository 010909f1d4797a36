using System.Diagnostics;
using System.Text;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Text;

namespace ChatKit.Application.Runs.Engine;

public enum RunOutcome
{
    Running,
    Completed,
    Incomplete,
    UpstreamError,
    Failed,
    ClientCancelled,

    /// <summary>Waiting for a client tool's answer (the step is stored, the claim released).</summary>
    Paused,
}

/// <summary>The mutable facts of one running turn: its steps so far, usage, outcome and timings.</summary>
internal sealed class TurnState(StartedRun run, TurnClock turnClock)
{
    public TurnClock Clock { get; } = turnClock;

    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    public long? FirstTokenAt { get; set; }

    public RunOutcome Outcome { get; set; } = RunOutcome.Running;

    /// <summary>The turn's last write (the one that releases the claim) has been handed to the writer.</summary>
    public bool Finished { get; set; }

    public string? Failure { get; private set; }

    public int Steps { get; private set; }

    public int ToolCalls { get; private set; }

    public TokenUsage? Usage { get; private set; }

    /// <summary>The writes of the turn's tool steps, queued in order; the last write waits for them.</summary>
    public List<Task> Queued { get; } = [];

    /// <summary>The step being produced and not yet handed to the writer; null once it is.</summary>
    public StepDraft? Current { get; private set; }

    public TurnEnding Ending => Current?.Finish switch
    {
        ModelFinish.Length => TurnEnding.LengthLimit,
        ModelFinish.ContentFilter => TurnEnding.ContentFilter,
        _ => TurnEnding.Completed,
    };

    public StepDraft BeginStep(string model)
    {
        Steps++;
        Current = new StepDraft(run.Session.Id, Clock.Next(), model, this);
        return Current;
    }

    public void Stored()
    {
        ToolCalls += Current?.Results.Count ?? 0;
        Current = null;
    }

    public void Fail(string message)
    {
        Failure ??= message;
        if (Outcome == RunOutcome.Running)
        {
            Outcome = RunOutcome.UpstreamError;
        }
    }

    public void AddUsage(TokenUsage? usage) => Usage = TokenUsage.Sum(Usage, usage);
}

/// <summary>One model call's output as it arrives: text, whole tool calls, usage, finish reason, and the results of its calls.</summary>
internal sealed class StepDraft(Guid sessionId, DateTime createdAt, string model, TurnState turn)
{
    /// <summary>The name a call that came without one is stored under: providers refuse an empty name in a later prompt.</summary>
    public const string MissingName = "unnamed_tool";

    public Guid Id { get; } = Guid.CreateVersion7();

    public DateTime CreatedAt { get; } = createdAt;

    public StringBuilder Text { get; } = new();

    public List<ToolCall> Calls { get; } = [];

    public List<ChatMessage> Results { get; } = [];

    /// <summary>Calls refused where they arrived (no name, arguments that cannot be kept as sent), by call id: their result.</summary>
    public Dictionary<string, string> Refusals { get; } = new(StringComparer.Ordinal);

    public ModelFinish? Finish { get; private set; }

    /// <summary>The prompt of the step's model call; null while no call was made (a step begun only to be cut).</summary>
    public ChatPrompt? Prompt { get; set; }

    /// <summary>The step's message is stored already (before its calls that change tasks ran): later writes add only its results.</summary>
    public bool Stored { get; set; }

    /// <summary>
    /// The step's model call for the usage ledger: what the upstream reported, or, when it reported nothing (a cut
    /// stream), an estimate of about 4 characters a token, prompt included, marked as such. None without a call.
    /// </summary>
    public IReadOnlyList<UsageRecord> Ledger(string userId, Guid runId, DateTime at)
    {
        if (Prompt is not { } prompt)
        {
            return [];
        }

        if (Usage is { } reported)
        {
            return [new UsageRecord(Guid.CreateVersion7(), userId, sessionId, runId, model, reported, false, at)];
        }

        var promptChars = prompt.SystemPrompt.Length + prompt.Messages.Sum(m => m.Text.Length + (m.ToolCalls?.Sum(c => c.Function.Arguments.Length) ?? 0));
        var completionChars = Text.Length + Calls.Sum(c => c.Function.Arguments.Length);
        var estimate = new TokenUsage(TokenEstimate.Of(promptChars), TokenEstimate.Of(completionChars), TokenEstimate.Of(promptChars) + TokenEstimate.Of(completionChars));
        return [new UsageRecord(Guid.CreateVersion7(), userId, sessionId, runId, model, estimate, true, at)];
    }

    public TokenUsage? Usage { get; private set; }

    public void Absorb(ChatModelUpdate update)
    {
        if (update.ToolCall is { } call)
        {
            // Model output goes into jsonb and into later prompts: make it storable and sendable again, give a call without an
            // id one the history can pair, and refuse (with a result naming the field) what could not be kept as sent.
            var id = string.IsNullOrEmpty(call.Id) ? "call_" + Guid.NewGuid().ToString("N") : StorableText.Repair(call.Id);
            var (arguments, problem) = Tools.ToolCallArguments.Check(StorableText.Repair(call.Function.Arguments));
            var name = StorableText.Repair(call.Function.Name);
            if (string.IsNullOrWhiteSpace(name))
            {
                name = MissingName;
                problem = "function.name is missing: name one of the tools offered";
            }

            Calls.Add(new ToolCall(id, "function", new ToolCallFunction(name, arguments)));
            if (problem is not null)
            {
                Refusals[id] = problem;
            }
        }

        if (update.Usage is { } usage)
        {
            Usage = TokenUsage.Sum(Usage, usage);
            turn.AddUsage(usage);
        }

        Finish = update.Finish ?? Finish;
    }

    /// <param name="withCalls">Whether the stored message carries the step's calls (only when each has its result).</param>
    public ChatMessage ToMessage(MessageStatus status, bool withCalls = true) => new(
        Id,
        sessionId,
        MessageRole.Assistant,
        [new ContentPart(ContentPart.OutputText, Text.ToString())],
        withCalls && Calls.Count > 0 ? Calls.ToList() : null,
        status,
        CreatedAt,
        model,
        Usage);
}
