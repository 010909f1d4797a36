using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatKit.Application.Abstractions;
using ChatKit.Domain.Sessions;

namespace ChatKit.Infrastructure.Llm;

/// <summary>
/// The model used when no <c>OPENROUTER_API_KEY</c> is set, so the API works out of the box: it streams, word by
/// word, a short reply that says it is offline and quotes the user's text. It also knows two phrases, so a tool
/// turn can be tried without a key: "add task: …" calls <c>add_task</c> and "list tasks" calls <c>list_tasks</c>.
/// </summary>
internal sealed partial class OfflineChatModel(TimeProvider clock) : IChatModel
{
    internal static readonly TimeSpan ChunkGap = TimeSpan.FromMilliseconds(15);

    public string Name => "offline";

    public async IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatPrompt prompt, [EnumeratorCancellation] CancellationToken ct)
    {
        var last = prompt.Messages.LastOrDefault();
        var said = prompt.Messages.LastOrDefault(m => m.Role == MessageRole.User)?.Text ?? string.Empty;
        if (last?.Role != MessageRole.Tool && prompt.Tools.Count > 0 && ToolCallFor(said) is { } call)
        {
            yield return new ChatModelUpdate(null, ToolCall: call);
            yield return new ChatModelUpdate(null, new TokenUsage(0, 1, 1), Finish: ModelFinish.ToolCalls);
            yield break;
        }

        var files = prompt.Messages.LastOrDefault(m => m.Role == MessageRole.User)?.Attachments ?? [];
        var reply = last?.Role == MessageRole.Tool
            ? $"I'm the offline model. The tool answered: {last.Text}"
            : $"I'm the offline model: no OPENROUTER_API_KEY is set, so I can't give a real answer. You said: \"{said}\""
              + (files.Count == 0 ? string.Empty : $" and attached {string.Join(", ", files.Select(f => $"{f.Name} ({(f.Image is { } image ? $"an image of {image.Length} bytes" : $"{f.Text?.Length ?? 0} characters for the model")})"))}.");
        var words = reply.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            await Task.Delay(ChunkGap, clock, ct).ConfigureAwait(false);
            yield return new ChatModelUpdate(i == 0 ? words[i] : " " + words[i]);
        }

        yield return new ChatModelUpdate(null, new TokenUsage(0, words.Length, words.Length), Finish: ModelFinish.Stop);
    }

    private static ToolCall? ToolCallFor(string text)
    {
        var id = "call_offline_" + Guid.NewGuid().ToString("N")[..12];
        if (AddTask().Match(text) is { Success: true } add)
        {
            var args = JsonSerializer.Serialize(new Dictionary<string, string> { ["title"] = add.Groups[1].Value.Trim() });
            return new ToolCall(id, "function", new ToolCallFunction("add_task", args));
        }

        return ListTasks().IsMatch(text) ? new ToolCall(id, "function", new ToolCallFunction("list_tasks", "{}")) : null;
    }

    [GeneratedRegex(@"^\s*add task\s*:\s*(.+)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex AddTask();

    [GeneratedRegex(@"^\s*list (my )?tasks\b", RegexOptions.IgnoreCase)]
    private static partial Regex ListTasks();
}
