using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Runs.Engine;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Domain.Sessions;
using ChatKit.Domain.Text;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Runs.StartRun;

/// <summary>
/// A turn, start to stream: check everything, commit the user message and claim the session (still able to
/// answer an error), then hand back the turn's events for a protocol to write.
/// </summary>
/// <param name="Text">The user's message text as the protocol delivered it (each door checks its own wire shape).</param>
/// <param name="ThreadId">The thread id the request named, if its protocol names one apart from the session.</param>
public sealed record StartRunCommand(string UserId, string SessionId, string? ThreadId, string Text)
    : ICommand<Result<TurnStream>>;

/// <summary>A started turn and its ChatKit events; enumerating them runs the turn.</summary>
public sealed record TurnStream(StartedRun Run, IAsyncEnumerable<RunEvent> Events);

/// <param name="TitleChanged">The first message named the session, so the stream ends with <c>thread.updated</c>.</param>
/// <param name="History">The session's most recent earlier messages, oldest first, for the prompt.</param>
/// <param name="FirstCall">The first model call, already under way (started while the user message was committed).</param>
public sealed record StartedRun(
    ChatSession Session, ChatMessage UserMessage, Guid ClaimId, bool TitleChanged, IReadOnlyList<ChatMessage> History)
{
    public EarlyModelCall? FirstCall { get; init; }
}

public sealed class StartRunValidator : AbstractValidator<StartRunCommand>
{
    public StartRunValidator(IOptions<LimitsOptions> limits)
    {
        var max = limits.Value.MaxMessageLength;
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.Text).Must(StorableText.IsStorable).OverridePropertyName("message.content")
            .WithMessage("text " + StorableText.UnstorableMessage);
        RuleFor(c => c.Text).NotEmpty()
            .WithErrorCode(Errors.EmptyMessageCode).WithMessage(Errors.EmptyMessageText);
        RuleFor(c => SessionRules.CodePointCount(c.Text)).LessThanOrEqualTo(max)
            .WithErrorCode(Errors.MessageTooLongCode)
            .WithMessage(c => Errors.MessageTooLongText(max, SessionRules.CodePointCount(c.Text)));
    }
}

public sealed class StartRunHandler(
    ITurnStore store,
    TurnRunner runner,
    TimeProvider clock,
    IOptions<LimitsOptions> limits,
    IOptions<RunOptions> runs,
    IOptions<PromptOptions> prompt)
    : ICommandHandler<StartRunCommand, Result<TurnStream>>
{
    public async ValueTask<Result<TurnStream>> Handle(StartRunCommand command, CancellationToken cancellationToken)
    {
        var parsed = PathId.Parse(command.SessionId, Errors.SessionNotFound);
        if (!parsed.IsSuccess)
        {
            return parsed.Error!;
        }

        var sessionId = parsed.Value;
        var text = command.Text;
        var now = clock.GetUtcNow();
        var maxMessages = limits.Value.MaxMessagesPerSession;
        var turn = new BeginTurn(
            command.UserId,
            ChatMessage.FromUser(sessionId, text, SessionRules.ToStoragePrecision(now)),
            maxMessages,
            Guid.NewGuid(),
            TimeSpan.FromSeconds(runs.Value.ClaimSeconds),
            SessionRules.TitleFromFirstMessage(text),
            command.ThreadId is null || (Guid.TryParse(command.ThreadId, out var threadId) && threadId == sessionId),
            prompt.Value.HistoryMaxMessages);
        EarlyModelCall? firstCall = null;
        turn = turn with { Checked = history => firstCall = runner.StartFirstCall(history, turn.UserMessage, cancellationToken) };

        // One transaction answers every check after validation, in the contract's order, and commits the message.
        BeginTurnResult begun;
        try
        {
            begun = await store.BeginTurnAsync(turn, cancellationToken).ConfigureAwait(false);
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
            BeginTurnOutcome.Started => Stream(new StartedRun(begun.Session!, turn.UserMessage, turn.ClaimId, begun.TitleChanged, begun.History)
            {
                FirstCall = firstCall,
            }),
            BeginTurnOutcome.Forbidden => Errors.Forbidden,
            BeginTurnOutcome.ThreadNotFound => Errors.ThreadNotFound(command.ThreadId!),
            BeginTurnOutcome.MessageLimit => Errors.MessageLimit(maxMessages),
            BeginTurnOutcome.RunInProgress => Errors.RunInProgress,
            _ => Errors.SessionNotFound(command.SessionId),
        };
    }

    private TurnStream Stream(StartedRun run) => new(run, ThreadStreamMapper.MapAsync(runner.RunAsync(run, CancellationToken.None)));
}
