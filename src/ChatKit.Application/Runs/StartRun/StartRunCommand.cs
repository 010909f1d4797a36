using ChatKit.Application.Attachments;
using ChatKit.Application.Behaviors;
using ChatKit.Application.Common;
using ChatKit.Application.Composer;
using ChatKit.Application.Options;
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
/// <param name="Input">The user's message as the protocol delivered it (each door checks its own wire shape).</param>
/// <param name="ThreadId">The thread id the request named, if its protocol names one apart from the session.</param>
/// <param name="Background">The run goes on without a client (it is not cancelled when the client hangs up).</param>
public sealed record StartRunCommand(string UserId, string SessionId, string? ThreadId, UserInput Input, bool Background = false)
    : ICommand<Result<Guid>>
{
    /// <summary>A message of text alone.</summary>
    public StartRunCommand(string userId, string sessionId, string? threadId, string text, bool background = false)
        : this(userId, sessionId, threadId, UserInput.FromText(text), background)
    {
    }

    /// <summary>Where the message is in the door's request, for naming a refused field (<c>message</c> in REST).</summary>
    public string InputField { get; init; } = "message";

    /// <summary>
    /// An edit: the id of the user message (on the active branch) this one replaces; that message and what followed it
    /// stay as another branch.
    /// </summary>
    public string? EditOf { get; init; }
}

/// <summary>
/// A started turn and its ChatKit events, for the run host: enumerating them runs the turn. The run id is the turn's claim
/// on the session; a background run goes on without a client.
/// </summary>
public sealed record TurnStream(Guid RunId, Guid SessionId, string UserId, bool Background, IAsyncEnumerable<RunEvent> Events);

/// <param name="TitleChanged">The first message named the session, so the stream ends with <c>thread.updated</c>.</param>
/// <param name="History">The session's most recent earlier messages, oldest first, for the prompt.</param>
/// <param name="FirstCall">The first model call, already under way (started while the user message was committed).</param>
public sealed record StartedRun(
    ChatSession Session, ChatMessage UserMessage, Guid ClaimId, bool TitleChanged, IReadOnlyList<ChatMessage> History)
{
    public EarlyModelCall? FirstCall { get; init; }

    /// <summary>The turn runs again from a stored user message (ChatKit's retry): its item is not sent again.</summary>
    public bool IsRetry { get; init; }

    /// <summary>The run goes on without a client.</summary>
    public bool Background { get; init; }

    /// <summary>
    /// A continuation: the turn goes on from its stored step after the browser answered its client tool call (this result,
    /// already in <see cref="History"/>); no user message is sent again.
    /// </summary>
    public ChatMessage? Continues { get; init; }

    /// <summary>The answered call's item, done again at the start of a continuation's stream.</summary>
    public ClientToolCallItem? Answered { get; init; }

    /// <summary>
    /// How many more messages the session takes (<c>MAX_MESSAGES_PER_SESSION</c> less what it holds, this turn's user message
    /// included): a tool step is offered only while it leaves room for the reply that ends the turn.
    /// </summary>
    public int MessagesLeft { get; init; } = int.MaxValue;
}

public sealed class StartRunValidator : AbstractValidator<StartRunCommand>
{
    public StartRunValidator(IOptions<LimitsOptions> limits, IOptions<AttachmentOptions> attachments, ComposerChoices composer)
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        this.MessageTextRules(c => c.Input.Text, limits.Value.MaxMessageLength, c => c.Input.AttachmentIds.Count > 0);
        this.ComposerRules(c => c.Input, c => c.InputField, composer);
        this.AttachmentRules(c => c.Input, c => c.InputField, attachments.Value.PerMessage);
    }
}

/// <summary>The rules of a user's message, whichever door it came through, in the contract's order.</summary>
public static class MessageTextValidation
{
    /// <summary>The composer's choices: a model of <c>MODELS</c> and a tool the agent has, each refused naming its field.</summary>
    public static void ComposerRules<T>(this AbstractValidator<T> validator, Func<T, UserInput> input, Func<T, string> field, ComposerChoices composer)
    {
        ArgumentNullException.ThrowIfNull(validator);
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            var sent = input(command);
            if (sent.Model is { } model && !composer.AllowsModel(model))
            {
                context.AddFieldFailure(field(command) + ".inference_options.model", $"model must be one of {string.Join(", ", composer.Models)}");
            }
            else if (sent.ToolChoice is { } tool && !composer.AllowsTool(tool))
            {
                context.AddFieldFailure(field(command) + ".inference_options.tool_choice.id", $"tool_choice.id must be one of the assistant's tools ({tool} is not)");
            }
        });
    }

    /// <param name="mayBeEmpty">A message with attachments may have no text of its own (a screenshot is the message).</param>
    public static void MessageTextRules<T>(
        this AbstractValidator<T> validator, System.Linq.Expressions.Expression<Func<T, string>> text, int max, Func<T, bool>? mayBeEmpty = null)
    {
        ArgumentNullException.ThrowIfNull(validator);
        var read = text.Compile();
        validator.RuleFor(text).Must(StorableText.IsStorable).OverridePropertyName("message.content")
            .WithMessage("text " + StorableText.UnstorableMessage);
        validator.RuleFor(text).Must((c, t) => SessionRules.HasVisibleText(t) || mayBeEmpty?.Invoke(c) == true)
            .WithErrorCode(Errors.EmptyMessageCode).WithMessage(Errors.EmptyMessageText);
        validator.RuleFor(c => SessionRules.CodePointCount(read(c))).LessThanOrEqualTo(max)
            .WithErrorCode(Errors.MessageTooLongCode)
            .WithMessage(c => Errors.MessageTooLongText(max, SessionRules.CodePointCount(read(c))));
    }
}

/// <summary>Starts the turn in the run host and answers the run's id.</summary>
public sealed class StartRunHandler(TurnStarter turns) : ICommandHandler<StartRunCommand, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(StartRunCommand command, CancellationToken cancellationToken) =>
        await turns.StartAsync(command.UserId, command.SessionId, command.ThreadId, command.Input, cancellationToken, command.Background, inputField: command.InputField, editOf: command.EditOf)
            .ConfigureAwait(false);
}
