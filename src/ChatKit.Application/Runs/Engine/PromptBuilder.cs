using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using ChatKit.Domain.Attachments;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Runs.Engine;

/// <summary>
/// The prompt of a turn: the system prompt, then the session's most recent earlier messages within the count
/// and character budget (newest kept first, sent oldest first), then the new message exactly once. A tool step
/// (an assistant message with calls and the tool results that answer them) is kept or cut whole, and a call is
/// only ever sent together with its result: providers refuse a call without one. Notes (what the user did through a
/// widget) are system lines in their place, after any step they fell inside; when the user stopped the previous reply,
/// a system line says so before the new message. A user message's attachments go with it: they count against the
/// character budget (an image as <see cref="ImageChars"/>, a text file as what the model reads of it), and a message is
/// kept with all of them or dropped with them.
/// </summary>
public sealed class PromptBuilder(IOptions<PromptOptions> options, IOptions<AttachmentOptions> attachments)
{
    public const string StoppedNote = "The user stopped the previous reply before it finished.";

    /// <summary>What an image weighs against <c>HISTORY_MAX_CHARS</c>: about the 765 tokens of a 1024×1024 image at 4 characters a token.</summary>
    public const int ImageChars = 3_000;

    /// <summary>What a file the model gets only by name weighs: its one line.</summary>
    private const int ListedFileChars = 100;

    /// <param name="earlierOldestFirst">The history read when the turn started (never more than <c>HISTORY_MAX_MESSAGES</c>).</param>
    public ChatPrompt Build(IReadOnlyList<ChatMessage> earlierOldestFirst, ChatMessage newMessage) =>
        Compose(options.Value, earlierOldestFirst, newMessage, attachments.Value.TextMaxChars);

    /// <summary>The prompt of a turn that goes on from its last stored step (a client tool answered): the history as it is.</summary>
    public ChatPrompt Continue(IReadOnlyList<ChatMessage> historyOldestFirst) =>
        Compose(options.Value, historyOldestFirst, null, attachments.Value.TextMaxChars);

    internal static ChatPrompt Compose(
        PromptOptions o, IReadOnlyList<ChatMessage> earlierOldestFirst, ChatMessage? newMessage, int textMaxChars = 20_000)
    {
        var units = Units(newMessage is null ? earlierOldestFirst : earlierOldestFirst.Where(m => m.Id != newMessage.Id).ToList());
        var kept = new List<IReadOnlyList<PromptMessage>>();
        var budget = o.HistoryMaxChars;
        var count = 0;
        for (var i = units.Count - 1; i >= 0; i--)
        {
            var unit = units[i];
            count += unit.Count;
            budget -= unit.Sum(m => Size(m, textMaxChars));
            if (count > o.HistoryMaxMessages || budget < 0)
            {
                break;
            }

            kept.Add(unit);
        }

        kept.Reverse();
        var messages = kept.SelectMany(u => u).ToList();
        if (newMessage is null)
        {
            return new ChatPrompt(o.SystemPrompt, messages, []);
        }

        if (earlierOldestFirst.LastOrDefault(m => m.Role == MessageRole.Assistant && m.Id != newMessage.Id) is { Stopped: true })
        {
            messages.Add(new PromptMessage(MessageRole.Note, StoppedNote));
        }

        messages.Add(UserMessage(newMessage));
        return new ChatPrompt(o.SystemPrompt, messages, []);
    }

    /// <summary>Groups the history into what may be kept or cut: a message, or a tool step with its results.</summary>
    private static List<IReadOnlyList<PromptMessage>> Units(IReadOnlyList<ChatMessage> history)
    {
        var units = new List<IReadOnlyList<PromptMessage>>();
        for (var i = 0; i < history.Count; i++)
        {
            var m = history[i];
            if (m.Role == MessageRole.Tool)
            {
                continue; // its call was cut from the window read, or it was taken with its step below
            }

            if (m.Role == MessageRole.Assistant && m.ToolCalls is { Count: > 0 } calls)
            {
                // A note stored while the step ran (a widget click during a reply) may sort among its results: it follows them.
                var results = new Dictionary<string, ChatMessage>(StringComparer.Ordinal);
                var notes = new List<PromptMessage>();
                var j = i + 1;
                for (; j < history.Count && history[j].Role is MessageRole.Tool or MessageRole.Note; j++)
                {
                    if (history[j].Role == MessageRole.Note)
                    {
                        notes.Add(new PromptMessage(MessageRole.Note, history[j].Text));
                    }
                    else
                    {
                        results.TryAdd(history[j].ToolCallId ?? string.Empty, history[j]);
                    }
                }

                var answered = calls.Where(c => results.ContainsKey(c.Id)).ToList();
                if (answered.Count > 0)
                {
                    var step = new List<PromptMessage> { new(MessageRole.Assistant, m.Text, answered) };
                    step.AddRange(answered.Select(c => new PromptMessage(MessageRole.Tool, results[c.Id].Text, ToolCallId: c.Id)));
                    units.Add(step);
                    units.AddRange(notes.Select(n => (IReadOnlyList<PromptMessage>)[n]));
                    i = j - 1; // its results and notes are taken
                    continue;
                }
            }

            if (m.Text.Length > 0 || m.Attachments.Count > 0)
            {
                units.Add([m.Role == MessageRole.User ? UserMessage(m) : new PromptMessage(m.Role, m.PromptText)]);
            }
        }

        return units;
    }

    /// <summary>What a message weighs in characters, its attachments included (for a run's token reservation).</summary>
    public static int CharsOf(ChatMessage m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m.Attachments.Count == 0 ? m.Text.Length : Size(UserMessage(m), new AttachmentOptions().TextMaxChars);
    }

    private static PromptMessage UserMessage(ChatMessage m) => new(MessageRole.User, m.PromptText)
    {
        Attachments = m.Attachments.Select(a => new PromptAttachment(a.Id, a.Name, a.MimeType, a.Size)).ToList(),
    };

    private static int Size(PromptMessage m, int textMaxChars) =>
        m.Text.Length + (m.ToolCalls?.Sum(c => c.Function.Name.Length + c.Function.Arguments.Length) ?? 0)
        + m.Attachments.Sum(a => AttachmentTypes.IsImage(a.MimeType) ? ImageChars
            : AttachmentTypes.IsText(a.MimeType) ? (int)Math.Min(a.Size, textMaxChars)
            : ListedFileChars);
}
