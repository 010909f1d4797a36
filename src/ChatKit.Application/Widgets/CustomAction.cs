using System.Runtime.CompilerServices;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Options;
using ChatKit.Application.Runs.Execution;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Runs.ThreadStream;
using Mediator;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Widgets;

/// <summary>
/// <c>threads.custom_action</c>: a click on the tasks widget as a turn. It takes the session's run claim (so it waits for
/// no reply and no reply starts meanwhile), changes the task, and its run streams the widget after the change, the
/// <c>tasks.changed</c> effect and a short confirmation written without a model call; the claim is released with the
/// write that stores them.
/// </summary>
public sealed record CustomActionCommand(string UserId, string ThreadId, string? ItemId, string? Type, string? TaskId)
    : ICommand<Result<Guid>>, IWidgetAction;

public sealed class CustomActionValidator : WidgetActionValidator<CustomActionCommand>;

public sealed class CustomActionHandler(WidgetActions actions, ITurnStore turns, IRunHost host, IOptions<RunOptions> runs, Runs.Recovery.OrphanWatch orphans)
    : ICommandHandler<CustomActionCommand, Result<Guid>>
{
    public async ValueTask<Result<Guid>> Handle(CustomActionCommand command, CancellationToken cancellationToken)
    {
        var found = await actions.FindAsync(command, cancellationToken).ConfigureAwait(false);
        if (!found.IsSuccess)
        {
            return found.Error!;
        }

        var (session, widget) = found.Value;
        var runId = Guid.CreateVersion7();
        if (!await turns.TryClaimAsync(session.Id, runId, TimeSpan.FromSeconds(runs.Value.ClaimSeconds), orphans.OrphansWait, cancellationToken).ConfigureAwait(false))
        {
            return Errors.RunInProgress;
        }

        Result<WidgetActionDone> done;
        try
        {
            done = await actions.ApplyAsync(command, session, widget, confirm: true, releaseClaimId: runId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await turns.ReleaseRunClaimAsync(session.Id, runId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (!done.IsSuccess)
        {
            await turns.ReleaseRunClaimAsync(session.Id, runId, CancellationToken.None).ConfigureAwait(false);
            return done.Error!;
        }

        return host.Start(new TurnStream(runId, session.Id, command.UserId, Background: false, EventsAsync(done.Value)));
    }

    private static async IAsyncEnumerable<RunEvent> EventsAsync(WidgetActionDone done, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return new StreamOptionsEvent(new StreamOptions(AllowCancel: false));
        yield return new ItemReplacedEvent(done.Widget.ToItem());
        yield return ThreadStreamMapper.TasksChanged(done.Change);
        if (done.Confirmation is { } said)
        {
            yield return new ItemDoneEvent(new AssistantMessageItem(said.Id, said.SessionId, said.CreatedAt, [new OutputText(said.Text)]));
        }
    }
}
