using ChatKit.Application.Tools;
using ChatKit.Domain.Sessions;

namespace ChatKit.Application.Runs.StartRun;

/// <summary>The client tool calls a thread waits on: those of its last step that have no result yet.</summary>
public static class ClientToolCalls
{
    /// <summary>What a call closed by a new message is answered with, so it never goes upstream without a result.</summary>
    public const string Skipped = """{"skipped":true,"reason":"The user sent a new message instead of answering this call."}""";

    /// <summary>The pending calls, with the step that made them; none when the thread's last message is not such a step.</summary>
    public static (ChatMessage? Step, IReadOnlyList<ToolCall> Calls) Pending(IReadOnlyList<ChatMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var last = history.LastOrDefault(m => m.Role is MessageRole.User or MessageRole.Assistant);
        if (last is not { Role: MessageRole.Assistant, ToolCalls: { Count: > 0 } calls })
        {
            return (null, []);
        }

        var answered = history.Where(m => m.Role == MessageRole.Tool && m.CreatedAt >= last.CreatedAt).Select(m => m.ToolCallId).ToHashSet(StringComparer.Ordinal);
        var pending = calls.Where(c => AgentTools.IsClient(c) && !answered.Contains(c.Id)).ToList();
        return (pending.Count > 0 ? last : null, pending);
    }
}
