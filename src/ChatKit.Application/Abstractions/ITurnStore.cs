using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Abstractions;

/// <summary>How starting a turn ended, in the contract's order of checks after validation.</summary>
public enum BeginTurnOutcome
{
    Started,
    NotFound,
    Forbidden,
    ThreadNotFound,
    MessageLimit,
    RunInProgress,
    ItemNotFound,
    SessionLimit,
    TokenBudgetExceeded,
    DailyCostLimit,
}

/// <param name="UserMessage">The message to commit (its session id is the session to start the turn in).</param>
/// <param name="ThreadMatches">Whether the path's thread id is the session's (checked after ownership, as the contract orders).</param>
/// <param name="HistoryCount">How many of the session's most recent earlier messages to read for the prompt.</param>
/// <param name="ClaimId">Identifies this run's claim on the session, so only it can renew or release the claim.</param>
/// <param name="ClaimLength">How long the claim lasts if it is not renewed (a crashed instance frees the session then).</param>
public sealed record BeginTurn(
    string UserId,
    ChatMessage UserMessage,
    int MaxMessagesPerSession,
    Guid ClaimId,
    TimeSpan ClaimLength,
    string? TitleIfFirst,
    bool ThreadMatches,
    int HistoryCount)
{
    /// <summary>
    /// Called once every check has passed and the history is read, before the message is inserted and committed, so
    /// the first model call can start while the commit is in flight.
    /// </summary>
    public Action<IReadOnlyList<ChatMessage>>? Checked { get; init; }

    /// <summary>The run goes on without a client (<c>"background": true</c>).</summary>
    public bool Background { get; init; }

    public Budgets Budgets { get; init; } = Budgets.None;

    /// <summary>
    /// A session to create in the same transaction (ChatKit's <c>threads.create</c>), unless its user holds
    /// <see cref="MaxSessionsPerUser"/> already; a refusal of the turn then leaves no session behind.
    /// </summary>
    public ChatSession? NewSession { get; init; }

    public int MaxSessionsPerUser { get; init; }
}

/// <param name="History">The most recent earlier messages, oldest first, read in the same transaction.</param>
public sealed record BeginTurnResult(BeginTurnOutcome Outcome, ChatSession? Session, bool TitleChanged, IReadOnlyList<ChatMessage> History)
{
    public static BeginTurnResult Refused(BeginTurnOutcome outcome) => new(outcome, null, false, []);

    /// <summary>The user message as stored: its time is taken under the session's lock, so stored order is admitted order.</summary>
    public ChatMessage? UserMessage { get; init; }
}

/// <summary>Running a turn again from an earlier user message (<paramref name="ItemId"/>) of the session.</summary>
public sealed record RetryTurn(string UserId, Guid SessionId, Guid ItemId, Guid ClaimId, TimeSpan ClaimLength, int HistoryCount)
{
    public Budgets Budgets { get; init; } = Budgets.None;
}

/// <summary>The start of a turn and the run claim that keeps one run per session across instances.</summary>
public interface ITurnStore
{
    /// <summary>
    /// In one transaction on one connection: finds and locks the session, checks owner, thread, message cap and
    /// run claim, reads the recent history for the prompt, stores the user message and claims the session.
    /// </summary>
    Task<BeginTurnResult> BeginTurnAsync(BeginTurn turn, CancellationToken ct);

    /// <summary>
    /// In one transaction: locks and checks the session (owner, run claim), finds the user message, deletes every later
    /// message, reads the history before it and claims the session. <see cref="BeginTurnResult.History"/> ends with that
    /// user message.
    /// </summary>
    Task<BeginTurnResult> BeginRetryAsync(RetryTurn retry, CancellationToken ct);

    /// <summary>Claims the session for a run that stores no user message (a widget action); false while another run holds it.</summary>
    Task<bool> TryClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, CancellationToken ct);

    Task<bool> RenewRunClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, CancellationToken ct);

    Task ReleaseRunClaimAsync(Guid sessionId, Guid claimId, CancellationToken ct);
}

/// <summary>
/// Messages a turn produced, to store in one transaction; <paramref name="ReleaseClaimId"/> is set on a turn's
/// last write, which also releases the run claim.
/// </summary>
public sealed record TurnWrite(Guid SessionId, IReadOnlyList<ChatMessage> Messages, Guid? ReleaseClaimId)
{
    /// <summary>The model calls whose usage this write records in the ledger.</summary>
    public IReadOnlyList<UsageRecord> Usage { get; init; } = [];

    /// <summary>The tasks widgets the write's tool step showed, stored with it.</summary>
    public IReadOnlyList<Widgets.TaskListWidget> Widgets { get; init; } = [];
}

/// <summary>One model call in the usage ledger; <paramref name="Estimated"/> when the upstream reported no usage.</summary>
public sealed record UsageRecord(
    Guid Id, string UserId, Guid SessionId, Guid RunId, string Model, TokenUsage Tokens, bool Estimated, DateTime CreatedAt);

/// <summary>The daily budgets a turn's start checks (0 = none).</summary>
/// <param name="Reserve">Tokens a run in flight holds against its user's budget until its usage is recorded.</param>
public sealed record Budgets(int TokensPerUserPerDay, decimal MaxCostPerDayUsd, int Reserve)
{
    public static readonly Budgets None = new(0, 0, 0);
}

/// <summary>
/// Stores what a turn produced without depending on a free database connection at that moment: writes wait
/// in a bounded queue and are retried until stored, so a reply cut short by a mass hang-up is never dropped.
/// </summary>
public interface ITurnWriter
{
    /// <summary>Queues the write; the task completes once it is committed (or a session deleted meanwhile made it moot).</summary>
    Task WriteAsync(TurnWrite write);
}
