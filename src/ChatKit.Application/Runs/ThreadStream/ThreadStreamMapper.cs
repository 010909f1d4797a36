using System.Runtime.CompilerServices;
using ChatKit.Application.Runs.Engine;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Runs.ThreadStream;

/// <summary>
/// Turns what happened in a turn into ChatKit thread-stream events, for the REST stream and the native
/// endpoint alike. A step's text is an <c>assistant_message</c> item, opened at its first delta and always
/// closed; a step's tool calls are a <c>workflow</c> item whose tasks show each call as it runs.
/// </summary>
public static class ThreadStreamMapper
{
    public static async IAsyncEnumerable<RunEvent> MapAsync(
        IAsyncEnumerable<TurnEvent> turn, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var state = new MapperState();
        await foreach (var e in turn.WithCancellation(ct).ConfigureAwait(false))
        {
            foreach (var mapped in state.Map(e))
            {
                yield return mapped;
            }
        }
    }

    private sealed class MapperState
    {
        private OpenText? _text;
        private OpenWorkflow? _workflow;

        public IEnumerable<RunEvent> Map(TurnEvent e) => e switch
        {
            TurnStarted { IsRetry: true } => [new StreamOptionsEvent(new StreamOptions(AllowCancel: true))],
            TurnStarted s => [new ItemDoneEvent(UserMessageItem.From(s.UserMessage)), new StreamOptionsEvent(new StreamOptions(AllowCancel: true))],
            TextDelta d => Delta(d),
            ToolCallStarted c => CallStarted(c),
            ToolCallFinished f => CallFinished(f),
            StepCompleted => CloseAll(),
            TurnFailed f => [.. CloseAll(), new StreamErrorEvent(f.Message)],
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

            var id = WorkflowItem.IdOf(c.StepId);
            if (_workflow is null)
            {
                _workflow = new OpenWorkflow(id, c.SessionId, c.CreatedAt);
                yield return new ItemAddedEvent(new WorkflowItem(id, c.SessionId, c.CreatedAt, new Workflow([])));
            }

            var task = new CustomTask(c.Title, null, "loading");
            _workflow.Tasks.Add(task);
            yield return new ItemUpdatedEvent(id, new WorkflowTaskAdded(_workflow.Tasks.Count - 1, task));
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

            if (f.RenamedSession is { } s)
            {
                yield return new ThreadUpdatedEvent(new ThreadInfo(s.Id, s.Title, s.CreatedAt));
            }
        }

        private List<RunEvent> CloseAll()
        {
            var events = CloseText();
            if (_workflow is { } w)
            {
                events.Add(new ItemDoneEvent(new WorkflowItem(w.Id, w.SessionId, w.CreatedAt, new Workflow(w.Tasks.ToList()))));
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

    private sealed record OpenText(Guid Id, Guid SessionId, DateTime CreatedAt)
    {
        public System.Text.StringBuilder Text { get; } = new();
    }

    private sealed record OpenWorkflow(string Id, Guid SessionId, DateTime CreatedAt)
    {
        public List<CustomTask> Tasks { get; } = [];
    }
}
