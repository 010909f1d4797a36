using System.Runtime.CompilerServices;
using ChatKit.Application.Abstractions;
using ChatKit.Domain.Sessions;

namespace ChatKit.Infrastructure.Llm;

/// <summary>
/// The model used when no <c>OPENROUTER_API_KEY</c> is set, so the API works out of the box: it streams,
/// word by word, a short reply that says it is offline and quotes the user's text.
/// </summary>
internal sealed class OfflineChatModel(TimeProvider clock) : IChatModel
{
    internal static readonly TimeSpan ChunkGap = TimeSpan.FromMilliseconds(15);

    public string Name => "offline";

    public async IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatPrompt prompt, [EnumeratorCancellation] CancellationToken ct)
    {
        var said = prompt.Messages.LastOrDefault(m => m.Role == MessageRole.User)?.Text ?? string.Empty;
        var reply = $"I'm the offline model: no OPENROUTER_API_KEY is set, so I can't give a real answer. You said: \"{said}\"";
        var words = reply.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            await Task.Delay(ChunkGap, clock, ct).ConfigureAwait(false);
            yield return new ChatModelUpdate(i == 0 ? words[i] : " " + words[i]);
        }

        yield return new ChatModelUpdate(null, new TokenUsage(0, words.Length, words.Length));
    }
}
