using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Sessions;
using ChatKit.Application.Tasks;
using ChatKit.Application.Tools;
using ChatKit.Domain.Sessions;
using FluentValidation;
using Mediator;

namespace ChatKit.Application.Widgets;

/// <summary>
/// What a click on the tasks widget does, for <c>threads.custom_action</c> and <c>threads.sync_custom_action</c> alike:
/// the task changes through the same commands as the REST tasks API and the tools (one rule set, for the token's user
/// only), the widget is stored as it now stands, and a note tells the model on the next turn what the user did.
/// </summary>
public sealed class WidgetActions(ISessionStore sessions, IWidgetStore widgets, ISender sender, ITurnWriter writer, TimeProvider clock)
{
    public const string Complete = "tasks.complete";
    public const string Reopen = "tasks.reopen";
    public const string Delete = "tasks.delete";

    public static readonly IReadOnlyList<string> Types = [Complete, Reopen, Delete];

    /// <summary>The session of the action, owned by the caller, with the widget the action came from.</summary>
    public async Task<Result<(ChatSession Session, TaskListWidget Widget)>> FindAsync(IWidgetAction action, CancellationToken ct)
    {
        var session = await OwnedSession.LoadAsync(sessions, action.ThreadId, action.UserId, ct).ConfigureAwait(false);
        if (!session.IsSuccess)
        {
            return session.Error!;
        }

        return await widgets.FindAsync(action.ItemId ?? string.Empty, session.Value.Id, ct).ConfigureAwait(false) is { } widget
            ? (session.Value, widget)
            : Errors.ItemNotFound(action.ItemId ?? string.Empty);
    }

    /// <summary>
    /// Changes the task, stores the widget after the change, and stores the note (and the <paramref name="confirm"/>ation
    /// message, for a streamed action) in one write that also releases <paramref name="releaseClaimId"/>.
    /// </summary>
    public async Task<Result<WidgetActionDone>> ApplyAsync(
        IWidgetAction action, ChatSession session, TaskListWidget widget, bool confirm, Guid? releaseClaimId, CancellationToken ct)
    {
        var before = widget.Tasks.FirstOrDefault(t => t.Id.ToString() == action.TaskId);
        Result<WidgetTask?> changed = action.Type == Delete
            ? (await sender.Send(new DeleteTaskCommand(action.UserId, action.TaskId!), ct).ConfigureAwait(false)).Map(_ => (WidgetTask?)null)
            : (await sender.Send(new UpdateTaskCommand(action.UserId, action.TaskId!, new TaskChanges(Completed: action.Type == Complete)), ct).ConfigureAwait(false))
                .Map(t => (WidgetTask?)TaskListWidget.Row(t));
        if (!changed.IsSuccess)
        {
            return changed.Error!;
        }

        var taskId = Guid.Parse(action.TaskId!);
        var updated = await widgets.UpdateAsync(widget.Id, session.Id, w => w.With(taskId, changed.Value), ct).ConfigureAwait(false)
            ?? widget.With(taskId, changed.Value); // the step was deleted meanwhile (a retry): the change stands, the answer shows it
        var title = TaskToolResults.Quote(changed.Value?.Title ?? before?.Title ?? "the task");
        var (done, kind, said) = action.Type switch
        {
            Complete => ("done", TaskChange.Completed, $"Marked {title} done."),
            Reopen => ("not done", TaskChange.Reopened, $"Reopened {title}."),
            _ => ("deleted", TaskChange.Deleted, $"Deleted {title}."),
        };

        // The note first, then the confirmation: the model reads what the user did, then what the assistant said of it.
        var at = SessionRules.ToStoragePrecision(clock.GetUtcNow());
        var note = ChatMessage.FromNote(session.Id, $"Through the tasks widget, the user marked the task {title} (task {taskId}) {done}.", at);
        var confirmation = confirm
            ? new ChatMessage(Guid.CreateVersion7(), session.Id, MessageRole.Assistant, [new ContentPart(ContentPart.OutputText, said)], null, MessageStatus.Completed, at.AddTicks(10))
            : null;
        await writer.WriteAsync(new TurnWrite(session.Id, confirmation is null ? [note] : [note, confirmation], releaseClaimId)).ConfigureAwait(false);
        return new WidgetActionDone(updated, new TaskChange(taskId, kind), confirmation);
    }
}

/// <summary>A widget action's request, as both action doors carry it.</summary>
public interface IWidgetAction
{
    string UserId { get; }

    string ThreadId { get; }

    string? ItemId { get; }

    string? Type { get; }

    string? TaskId { get; }
}

/// <param name="Confirmation">The assistant's short confirmation, stored (a streamed action only).</param>
public sealed record WidgetActionDone(TaskListWidget Widget, TaskChange Change, ChatMessage? Confirmation);

/// <summary>The action's type and its task, named by their place in the ChatKit request.</summary>
public abstract class WidgetActionValidator<T> : AbstractValidator<T>
    where T : IWidgetAction
{
    protected WidgetActionValidator()
    {
        RuleFor(a => a.Type).Must(t => t is not null && Types.Contains(t)).OverridePropertyName("params.action.type")
            .WithMessage($"must be one of {string.Join(", ", Types)}");
        RuleFor(a => a.TaskId).NotEmpty().OverridePropertyName("params.action.payload.task_id").WithMessage("is required");
    }

    private static IReadOnlyList<string> Types => WidgetActions.Types;
}
