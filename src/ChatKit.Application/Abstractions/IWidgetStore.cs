using ChatKit.Application.Widgets;

namespace ChatKit.Application.Abstractions;

/// <summary>The tasks widgets of a session's tool steps (stored with their step by the turn writer).</summary>
public interface IWidgetStore
{
    /// <summary>The widgets of the given step messages of the session, in call order.</summary>
    Task<IReadOnlyList<TaskListWidget>> ReadForMessagesAsync(Guid sessionId, IReadOnlyList<Guid> messageIds, CancellationToken ct);

    /// <summary>The widget <paramref name="id"/> of the session; null when the session has none by that id.</summary>
    Task<TaskListWidget?> FindAsync(string id, Guid sessionId, CancellationToken ct);

    /// <summary>Applies <paramref name="change"/> to the widget as stored now, under its row's lock; null when it is gone.</summary>
    Task<TaskListWidget?> UpdateAsync(string id, Guid sessionId, Func<TaskListWidget, TaskListWidget> change, CancellationToken ct);
}
