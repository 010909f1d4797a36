using ChatKit.Application.Common;
using ChatKit.Application.Runs.ThreadStream;
using Mediator;

namespace ChatKit.Application.Widgets;

/// <summary>
/// <c>threads.sync_custom_action</c>: a click on the tasks widget answered with the widget after it. Never takes the
/// session's run claim, so it works while a reply streams.
/// </summary>
public sealed record SyncCustomActionCommand(string UserId, string ThreadId, string? ItemId, string? Type, string? TaskId)
    : ICommand<Result<WidgetItem>>, IWidgetAction;

public sealed class SyncCustomActionValidator : WidgetActionValidator<SyncCustomActionCommand>;

public sealed class SyncCustomActionHandler(WidgetActions actions) : ICommandHandler<SyncCustomActionCommand, Result<WidgetItem>>
{
    public async ValueTask<Result<WidgetItem>> Handle(SyncCustomActionCommand command, CancellationToken cancellationToken)
    {
        var found = await actions.FindAsync(command, cancellationToken).ConfigureAwait(false);
        if (!found.IsSuccess)
        {
            return found.Error!;
        }

        var done = await actions.ApplyAsync(command, found.Value.Session, found.Value.Widget, confirm: false, releaseClaimId: null, cancellationToken)
            .ConfigureAwait(false);
        return done.Map(d => d.Widget.ToItem());
    }
}
