using ChatKit.Application.Attachments;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Runs.ThreadStream;
using ChatKit.Application.Tools;
using ChatKit.Application.Widgets;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Threads;

/// <summary>
/// A session's messages as ChatKit items, the same ones the stream showed: a user message is a <c>user_message</c>; an
/// assistant message is an <c>assistant_message</c> when it has text and, when it made tool calls, is followed by its
/// <c>workflow</c> item <c>wf_&lt;id&gt;</c> and the <c>widget</c> items <c>wgt_&lt;id&gt;_&lt;n&gt;</c> of its listing calls;
/// tool results and notes are never items. Pages are keyset pages over the messages, with an item id (a message id, a
/// <c>wf_</c> or a <c>wgt_</c> id) as the cursor.
/// </summary>
public sealed class ThreadItems(IMessageStore messages, IWidgetStore widgets, Toolbox toolbox, AttachmentLinks links)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public async Task<ThreadItemsPage> PageAsync(
        Guid sessionId, string userId, int limit, bool descending, string? after, CancellationToken ct)
    {
        var items = new List<(string Id, object Item)>();
        var (cursorMessage, afterDerived) = ParseCursor(after);
        var including = cursorMessage is not null;
        var from = cursorMessage;
        var batch = limit + 2;
        while (items.Count <= limit)
        {
            var read = await messages.ReadAsync(sessionId, userId, from, including, descending, batch, ct).ConfigureAwait(false);
            foreach (var message in read)
            {
                var derived = await ItemsOfAsync(message, sessionId, userId, ct).ConfigureAwait(false);
                if (descending)
                {
                    derived.Reverse();
                }

                if (message.Id == cursorMessage)
                {
                    // The cursor's own message: keep only its items that come after the cursor item in this order.
                    var cursorIndex = derived.FindIndex(d => d.Id == after);
                    derived = cursorIndex < 0 ? (afterDerived ? [] : derived) : derived[(cursorIndex + 1)..];
                }

                items.AddRange(derived);
            }

            if (read.Count < batch)
            {
                break;
            }

            from = read[^1].Id;
            including = false;
        }

        var hasMore = items.Count > limit;
        var page = items.Take(limit).ToList();
        return new ThreadItemsPage(page.Select(i => i.Item).ToList(), hasMore, hasMore ? page[^1].Id : null);
    }

    /// <summary>The message a cursor item belongs to, and whether the item is one derived from it (a workflow or a widget).</summary>
    private static (Guid? Message, bool Derived) ParseCursor(string? after)
    {
        if (string.IsNullOrEmpty(after))
        {
            return (null, false);
        }

        if (StepItemId.TryParse(TaskListWidget.IdPrefix, after, out var stepId, out _) || StepItemId.TryParse(ClientToolCallItem.IdPrefix, after, out stepId, out _))
        {
            return (stepId, true);
        }

        var workflow = after.StartsWith("wf_", StringComparison.Ordinal);
        return Guid.TryParse(workflow ? after[3..] : after, out var id) ? (id, workflow) : (Guid.Empty, workflow);
    }

    /// <summary>A message's items in ascending order.</summary>
    private async Task<List<(string Id, object Item)>> ItemsOfAsync(ChatMessage m, Guid sessionId, string userId, CancellationToken ct)
    {
        var items = new List<(string, object)>();
        switch (m.Role)
        {
            case MessageRole.User:
                items.Add((m.Id.ToString(), UserMessageItem.From(m, links)));
                break;
            case MessageRole.Assistant:
                if (m.Text.Length > 0)
                {
                    items.Add((m.Id.ToString(), new AssistantMessageItem(m.Id, sessionId, m.CreatedAt, [new OutputText(m.Text)])));
                }

                if (m.ToolCalls is { Count: > 0 } calls)
                {
                    var results = await messages.ReadToolResultsAsync(sessionId, userId, calls.Select(c => c.Id).ToList(), ct).ConfigureAwait(false);
                    var server = calls.Where(c => !AgentTools.IsClient(c)).ToList();
                    if (server.Count > 0)
                    {
                        var tasks = server.Select(c => new CustomTask(
                            toolbox.TitleOf(c),
                            results.FirstOrDefault(r => r.ToolCallId == c.Id) is { } result ? toolbox.Summarize(c, result.Text) : null,
                            "complete")).ToList();
                        var id = WorkflowItem.IdOf(m.Id);
                        var end = results.Count > 0 ? results.Max(r => r.CreatedAt) : m.CreatedAt;
                        items.Add((id, new WorkflowItem(id, sessionId, m.CreatedAt, new Workflow(tasks, DurationSummary.Between(m.CreatedAt, end)))));
                        // Only a step with a listing call can have shown a widget: no read for the others.
                        var listed = server.Any(toolbox.ListsTasks)
                            ? await widgets.ReadForMessagesAsync(sessionId, [m.Id], ct).ConfigureAwait(false)
                            : [];
                        items.AddRange(listed.Select(w => (w.Id, (object)w.ToItem())));
                    }

                    for (var i = 0; i < calls.Count; i++)
                    {
                        if (AgentTools.IsClient(calls[i]))
                        {
                            var item = ClientToolCallItem.Of(m.Id, sessionId, m.CreatedAt, i, calls[i], results.FirstOrDefault(r => r.ToolCallId == calls[i].Id)?.Text);
                            items.Add((item.Id, item));
                        }
                    }
                }

                break;
        }

        return items;
    }
}
