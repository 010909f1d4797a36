using ChatKit.Application.Abstractions;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Runs.StreamRun;

/// <summary>
/// The prompt of a turn: the system prompt, then the session's most recent earlier messages within the
/// count and character budget (newest kept first, sent oldest first), then the new message exactly once.
/// </summary>
public sealed class PromptBuilder(IOptions<PromptOptions> options)
{
    /// <param name="earlierOldestFirst">The history read when the turn started (never more than <c>HISTORY_MAX_MESSAGES</c>).</param>
    public ChatPrompt Build(IReadOnlyList<ChatMessage> earlierOldestFirst, ChatMessage newMessage) =>
        Compose(options.Value, earlierOldestFirst, newMessage);

    internal static ChatPrompt Compose(PromptOptions o, IReadOnlyList<ChatMessage> earlierOldestFirst, ChatMessage newMessage)
    {
        var kept = new List<PromptMessage>();
        var budget = o.HistoryMaxChars;
        for (var i = earlierOldestFirst.Count - 1; i >= 0 && kept.Count < o.HistoryMaxMessages; i--)
        {
            var m = earlierOldestFirst[i];
            if (m.Role is not (MessageRole.User or MessageRole.Assistant) || m.Id == newMessage.Id)
            {
                continue;
            }

            var text = m.Text;
            if (text.Length == 0)
            {
                continue;
            }

            budget -= text.Length;
            if (budget < 0)
            {
                break;
            }

            kept.Add(new PromptMessage(m.Role, text));
        }

        kept.Reverse();
        kept.Add(new PromptMessage(MessageRole.User, newMessage.Text));
        return new ChatPrompt(o.SystemPrompt, kept);
    }
}
