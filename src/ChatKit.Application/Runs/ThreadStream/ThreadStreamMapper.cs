using System.Runtime.CompilerServices;
using ChatKit.Application.Attachments;
using ChatKit.Application.Runs.Engine;

namespace ChatKit.Application.Runs.ThreadStream;

/// <summary>
/// Turns what happened in a turn into ChatKit thread-stream events, for the REST stream and the native
/// endpoint alike. A step's text is an <c>assistant_message</c> item, opened at its first delta and always
/// closed; a step's tool calls are a <c>workflow</c> item whose tasks show each call as it runs.
/// </summary>
public static class ThreadStreamMapper
{
    /// <param name="links">Signs the links of the user message's attachments.</param>
    public static async IAsyncEnumerable<RunEvent> MapAsync(
        IAsyncEnumerable<TurnEvent> turn, AttachmentLinks links, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var state = new MapperState(links);
        await foreach (var e in turn.WithCancellation(ct).ConfigureAwait(false))
        {
            foreach (var mapped in state.Map(e))
            {
                yield return mapped;
            }
        }
    }

    private sealed class MapperState(AttachmentLinks links)
    {
        private OpenText? _text;
        private OpenWorkflow? _workflow;

        public IEnumerable<RunEvent> Map(TurnEvent e) => e switch
        {
            TurnStarted { IsRetry: true, Answered: { } answered } => [new StreamOptionsEvent(new StreamOptions(AllowCancel: true)), new ItemDoneEvent(answered)],
            TurnStarted { IsRetry: true } => [new StreamOptionsEvent(new StreamOptions(AllowCancel: true))],
            TurnStarted s => [new ItemDoneEvent(UserMessageItem.From(s.UserMessage, links)), new StreamOptionsEvent(new StreamOptions(AllowCancel: true))],
            TextDelta d => Delta(d),
            ToolCallStarted c => CallStarted(c),
            ToolCallFinished f => CallFinished(f),
            StepCompleted s => StepDone(s),
            ClientToolCallPending p => [new ItemDoneEvent(ClientToolCallItem.Of(p.StepId, p.SessionId, p.CreatedAt, p.Index, p.Call, null))],
            TurnFailed f => [.. CloseAll(null), new StreamErrorEvent(f.Message)],
            TurnFinished f => Finished(f),
            _ => [],
        };

        private IEnumerable<RunEvent> Delta(TextDelta d)
        {
            if (_text is null)
            {
                _text = new OpenText(d.MessageId, d.SessionId, d.CreatedAt);
                yield return new ItemAddedEvent(new AssistantMessageItem(d.MessageId, d.SessionId, d.CreatedAt, []));
                yield return new ItemUpdatedEvent(d.MessageId.ToString(), new ContentPartAdded(0, new OutputText(string.Empty)));
            }

            _text.Text.Append(d.Delta);
            yield return new ItemUpdatedEvent(d.MessageId.ToString(), new ContentPartTextDelta(0, d.Delta));
        }

        private IEnumerable<RunEvent> CallStarted(ToolCallStarted c)
        {
            foreach (var closed in CloseText())
            {
                yield return closed;
            }

            // The workflow is added with its first task (never empty, as the reference sends it); later tasks are updates.
            var task = new CustomTask(c.Title, null, "loading");
            if (_workflow is null)
            {
                _workflow = new OpenWorkflow(WorkflowItem.IdOf(c.StepId), c.SessionId, c.CreatedAt);
                _workflow.Tasks.Add(task);
                yield return new ItemAddedEvent(new WorkflowItem(_workflow.Id, c.SessionId, c.CreatedAt, new Workflow([task])));
            }
            else
            {
                _workflow.Tasks.Add(task);
                yield return new ItemUpdatedEvent(_workflow.Id, new WorkflowTaskAdded(_workflow.Tasks.Count - 1, task));
            }

            yield return new ProgressUpdateEvent(c.Icon, c.Title + "…");
        }

        private IEnumerable<RunEvent> CallFinished(ToolCallFinished f)
        {
            if (_workflow is null)
            {
                yield break;
            }

            var index = _workflow.Tasks.Count - 1;
            var task = new CustomTask(f.Title, f.Summary, "complete");
            _workflow.Tasks[index] = task;
            yield return new ItemUpdatedEvent(_workflow.Id, new WorkflowTaskUpdated(index, task));
            if (f.Change is { } change)
            {
                yield return TasksChanged(change);
            }
        }

        /// <summary>A step's items close; the widgets of its listing calls follow its workflow.</summary>
        private List<RunEvent> StepDone(StepCompleted s)
        {
            var events = CloseAll(s.ToolResults.Count > 0 ? s.ToolResults.Max(r => r.CreatedAt) : null);
            events.AddRange(s.Widgets.Select(w => new ItemDoneEvent(w.ToItem())));
            return events;
        }

        private IEnumerable<RunEvent> Finished(TurnFinished f)
        {
            var notice = f.Ending switch
            {
                TurnEnding.LengthLimit => "The reply stopped at the model's length limit, so it is incomplete.",
                TurnEnding.ContentFilter => "The model provider's content filter stopped the reply, so it is incomplete.",
                _ => null,
            };
            if (notice is not null)
            {
                yield return new NoticeEvent("warning", notice);
            }

            if (f.Thread is { } thread)
            {
                yield return new ThreadUpdatedEvent(thread);
            }
        }

        /// <param name="end">When the workflow's last call ended (its duration is measured to it).</param>
        private List<RunEvent> CloseAll(DateTime? end)
        {
            var events = CloseText();
            if (_workflow is { } w)
            {
                var summary = DurationSummary.Between(w.CreatedAt, end ?? w.CreatedAt);
                events.Add(new ItemDoneEvent(new WorkflowItem(w.Id, w.SessionId, w.CreatedAt, new Workflow(w.Tasks.ToList(), summary))));
                _workflow = null;
            }

            return events;
        }

        private List<RunEvent> CloseText()
        {
            if (_text is not { } t)
            {
                return [];
            }

            _text = null;
            var final = new OutputText(t.Text.ToString());
            return
            [
                new ItemUpdatedEvent(t.Id.ToString(), new ContentPartDone(0, final)),
                new ItemDoneEvent(new AssistantMessageItem(t.Id, t.SessionId, t.CreatedAt, [final])),
            ];
        }
    }

    /// <summary>The <c>tasks.changed</c> effect, so the host page refreshes its task list.</summary>
    public static ClientEffectEvent TasksChanged(Tasks.TaskChange change) => new("tasks.changed", change.ToData());

    private sealed record OpenText(Guid Id, Guid SessionId, DateTime CreatedAt)
    {
        public System.Text.StringBuilder Text { get; } = new();
    }

    private sealed record OpenWorkflow(string Id, Guid SessionId, DateTime CreatedAt)
    {
        public List<CustomTask> Tasks { get; } = [];
    }
}
