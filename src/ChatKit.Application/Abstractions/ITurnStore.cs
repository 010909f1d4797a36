using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Abstractions;

/// <summary>How the admission of a turn ended, in the contract's one order of refusals (see <c>TurnAdmission</c>).</summary>
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

/// <summary>What a turn's start transaction is opened for.</summary>
/// <param name="Budgets">Which daily budgets apply: only their facts are read (0 = none).</param>
/// <param name="RetryItemId">For a retry: the user message the turn runs again from.</param>
public sealed record OpenTurn(string UserId, Guid SessionId, Budgets Budgets, Guid? RetryItemId = null)
{
    /// <summary>
    /// A session to create in the same transaction (ChatKit's <c>threads.create</c>), unless its user holds
    /// <see cref="MaxSessionsPerUser"/> already; a refusal of the turn then leaves no session behind.
    /// </summary>
    public ChatSession? NewSession { get; init; }

    public int MaxSessionsPerUser { get; init; }
}

/// <summary>What a turn's start reads under the session's lock, before anything is decided.</summary>
/// <param name="SessionCreated">False when a new session was asked for and its user is at the cap.</param>
/// <param name="Busy">A run holds the session's claim.</param>
/// <param name="RetryItem">For a retry: the session's user message by that id, when there is one.</param>
/// <param name="CostToday">What every model call cost today (read only under a cost limit).</param>
/// <param name="TokensSpent">The user's tokens today, with what their other runs in flight reserve (only under a token budget).</param>
/// <param name="UserCostToday">What the user's model calls cost today (read only under a plan's own cost limit).</param>
/// <param name="Orphaned">A run holds the session's claim but nobody renewed it in time: its instance died, and its reply
/// waits for a survivor to take it over (ADR-023).</param>
public sealed record TurnFacts(
    bool SessionCreated,
    bool Exists,
    bool Owned,
    int MessageCount,
    bool Busy,
    bool AutoTitle,
    string Title,
    ChatMessage? RetryItem = null,
    decimal CostToday = 0,
    long TokensSpent = 0,
    bool Orphaned = false,
    decimal UserCostToday = 0);

/// <summary>A start's last write: the user message (none for a retry or a continuation), the title, the claim, the reservation.</summary>
/// <param name="UserMessage">The message to store; null for a retry, which sets aside every message after its item instead,
/// and for a continuation, which stores only its tool result.</param>
/// <param name="NewTitle">The title the first message gives the session, if it does.</param>
/// <param name="ClaimId">Identifies this run's claim on the session, so only it can renew or release the claim.</param>
/// <param name="ClaimLength">How long the claim lasts if it is not renewed (a crashed instance frees the session then).</param>
/// <param name="ReservedTokens">What the run holds against its user's token budget until its usage is recorded.</param>
public sealed record CommitTurn(ChatMessage? UserMessage, string? NewTitle, Guid ClaimId, TimeSpan ClaimLength, bool Background, int ReservedTokens)
{
    /// <summary>
    /// For a retry or an edit: the user message whose later messages are set aside as another branch (kept, inactive).
    /// </summary>
    public ChatMessage? RetryItem { get; init; }

    /// <summary>An edit (a retry item and a new message): the item is set aside too, and the message becomes its sibling.</summary>
    public bool EditsItem => RetryItem is not null && UserMessage is not null;

    /// <summary>Client tool results stored first: the answer a continuation brings, or the calls a new message closes.</summary>
    public IReadOnlyList<ChatMessage> ToolResults { get; init; } = [];
}

/// <summary>
/// A turn's open start transaction: the session row is locked and its facts read; nothing is written until
/// <see cref="CommitAsync"/>. Disposed without a commit, it rolls back (and a session created in it is gone).
/// </summary>
public interface ITurnTransaction : IAsyncDisposable
{
    TurnFacts Facts { get; }

    /// <summary>The session's most recent <paramref name="count"/> messages, oldest first (for a retry: those before its item).</summary>
    Task<IReadOnlyList<ChatMessage>> ReadHistoryAsync(int count, CancellationToken ct);

    /// <summary>
    /// The attachments by these ids, whoever owns them, locked until the commit (the caller checks each is the user's, uploaded
    /// and free); the user message that carries them takes them in <see cref="CommitAsync"/>.
    /// </summary>
    Task<IReadOnlyList<Domain.Attachments.Attachment>> LockAttachmentsAsync(IReadOnlyList<Guid> ids, CancellationToken ct);

    /// <summary>
    /// Stores the start (a retry or an edit first sets aside what followed its item as another branch), claims the session
    /// and commits; the session after it.
    /// </summary>
    Task<ChatSession> CommitAsync(CommitTurn commit, CancellationToken ct);
}

/// <summary>The start of a turn and the run claim that keeps one run per session across instances.</summary>
public interface ITurnStore
{
    /// <summary>Opens a turn's start transaction on one connection: creates the session if asked, locks it, reads the facts.</summary>
    Task<ITurnTransaction> OpenAsync(OpenTurn open, CancellationToken ct);

    /// <summary>
    /// Claims the session for a run that stores no user message (a widget action); false while another run holds it, and
    /// with <paramref name="orphansWait"/> while a dead instance's run waits for its takeover.
    /// </summary>
    Task<bool> TryClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, bool orphansWait, CancellationToken ct);

    Task<bool> RenewRunClaimAsync(Guid sessionId, Guid claimId, TimeSpan claimLength, CancellationToken ct);

    Task ReleaseRunClaimAsync(Guid sessionId, Guid claimId, CancellationToken ct);

    /// <summary>
    /// Runs whose instance is gone: with <paramref name="lapsed"/> claims nobody renewed in time, with
    /// <paramref name="heldByThisInstance"/> those held under this instance's name (it just started, so it runs none).
    /// </summary>
    Task<IReadOnlyList<OrphanedRun>> FindOrphanedRunsAsync(bool heldByThisInstance, bool lapsed, CancellationToken ct);

    /// <summary>Takes the orphaned run's claim for this instance (the same claim id); null when another instance was first or it ended.</summary>
    Task<TakenOverRun?> TryTakeOverAsync(OrphanedRun run, bool heldByThisInstance, TimeSpan claimLength, CancellationToken ct);

    /// <summary>Lets a run this instance took over go (its takeover failed): its claim lapses now, for the next round to try again.</summary>
    Task LetGoAsync(OrphanedRun run, CancellationToken ct);

    /// <summary>Records that the run was asked to stop (a survivor then ends it instead of going on); false when it no longer holds the claim.</summary>
    Task<bool> RequestCancelAsync(Guid sessionId, Guid runId, CancellationToken ct);

    /// <summary>Whether the run still holds its session's claim, and whether that claim is being renewed.</summary>
    Task<RunClaimState> ClaimStateAsync(Guid sessionId, Guid runId, CancellationToken ct);

    /// <summary>Writes the text the runs' open replies have streamed so far, in one statement (only for runs that still hold their claim).</summary>
    Task SaveCheckpointsAsync(IReadOnlyList<RunCheckpoint> checkpoints, CancellationToken ct);

    Task<RunCheckpoint?> ReadCheckpointAsync(Guid runId, CancellationToken ct);

    /// <summary>Which of these tool calls of the session changed a task (recorded with the change, <see cref="ToolCallScope"/>).</summary>
    Task<IReadOnlyList<ToolEffect>> ReadToolEffectsAsync(Guid sessionId, IReadOnlyList<string> callIds, CancellationToken ct);

    /// <summary>The session's most recent <paramref name="count"/> messages, oldest first (a takeover's history; the claim is held).</summary>
    Task<IReadOnlyList<ChatMessage>> ReadHistoryAsync(Guid sessionId, int count, CancellationToken ct);
}

/// <summary>A run this instance took over: its session, and whether a cancel reached it before.</summary>
public sealed record TakenOverRun(ChatSession Session, bool CancelRequested);

/// <summary>A run whose claim outlived its instance.</summary>
public sealed record OrphanedRun(Guid SessionId, Guid RunId);

public enum RunClaimState
{
    /// <summary>The run holds the claim and it is fresh: its instance is alive.</summary>
    Held,

    /// <summary>The run holds the claim but nobody renewed it in time: its instance is gone.</summary>
    Lapsed,

    /// <summary>The run no longer holds the claim: it ended (or was cancelled).</summary>
    Released,
}

/// <summary>The text of a run's open reply item as it had streamed (written without a shared event log).</summary>
public sealed record RunCheckpoint(Guid RunId, Guid SessionId, Guid ItemId, string Text);

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
    /// <summary>What one user may spend a day (a plan's <c>cost_per_day_usd</c>; 0 = no limit of their own).</summary>
    public decimal UserCostPerDayUsd { get; init; }

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
