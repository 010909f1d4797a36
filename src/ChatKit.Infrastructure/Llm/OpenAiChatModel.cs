using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatKit.Application.Abstractions;
using ChatKit.Domain.Sessions;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace ChatKit.Infrastructure.Llm;

/// <summary>
/// OpenRouter, or any OpenAI-compatible server, through the official OpenAI client over an
/// <see cref="IHttpClientFactory"/> client (which carries <c>HTTP-Referer</c>/<c>X-Title</c>). No retries:
/// a retried stream would repeat text the user has already seen.
/// </summary>
internal sealed class OpenAiChatModel(IHttpClientFactory httpClients, IOptions<LlmOptions> options) : IChatModel
{
    // One client for the process: building its pipeline per run costs measurable time to first token, and the
    // handler's PooledConnectionLifetime already recycles connections (so the factory's rotation is not needed).
    private readonly Lazy<ChatClient> _client = new(() => new ChatClient(
        options.Value.Model,
        new ApiKeyCredential(options.Value.ApiKey!),
        new OpenAIClientOptions
        {
            Endpoint = options.Value.BaseUrl,
            Transport = new HttpClientPipelineTransport(httpClients.CreateClient(LlmOptions.HttpClientName)),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds + 5),
        }));

    public string Name => options.Value.Model;

    public async IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatPrompt prompt, [EnumeratorCancellation] CancellationToken ct)
    {
        var o = options.Value;
        var timeout = TimeSpan.FromSeconds(o.TimeoutSeconds);
        var client = _client.Value;

        // Cancels on the caller's token (client gone) or when the upstream stays silent too long.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(timeout);
        AbortOnCancelHandler.CallerToken.Value = idle.Token;
        var updates = client.CompleteChatStreamingAsync(ToMessages(prompt), cancellationToken: idle.Token).GetAsyncEnumerator(idle.Token);
        try
        {
            while (true)
            {
                StreamingChatCompletionUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && Translate(ex, o.TimeoutSeconds) is { } failure)
                {
                    throw failure;
                }

                idle.CancelAfter(timeout);
                var text = string.Concat(update.ContentUpdate.Select(p => p.Text));
                var usage = update.Usage is { } u
                    ? new TokenUsage(u.InputTokenCount, u.OutputTokenCount, u.TotalTokenCount)
                    : null;
                if (text.Length > 0 || usage is not null)
                {
                    yield return new ChatModelUpdate(text.Length > 0 ? text : null, usage);
                }
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static IEnumerable<OpenAI.Chat.ChatMessage> ToMessages(ChatPrompt prompt)
    {
        yield return new SystemChatMessage(prompt.SystemPrompt);
        foreach (var m in prompt.Messages)
        {
            yield return m.Role == MessageRole.Assistant
                ? new AssistantChatMessage(m.Text)
                : new UserChatMessage(m.Text);
        }
    }

    /// <summary>Upstream failures become a <see cref="ChatModelException"/> whose text is safe to show a user.</summary>
    internal static ChatModelException? Translate(Exception ex, int timeoutSeconds) => ex switch
    {
        ChatModelException same => same,
        ClientResultException { Status: > 0 } r => new ChatModelException($"The model service answered with status {r.Status}.", ex),
        OperationCanceledException or TimeoutException =>
            new ChatModelException($"The model service did not answer within {timeoutSeconds} seconds.", ex),
        JsonException or FormatException or InvalidOperationException or KeyNotFoundException =>
            new ChatModelException("The model service sent data that could not be read.", ex),
        HttpRequestException or IOException or ClientResultException =>
            new ChatModelException("The connection to the model service was lost.", ex),
        _ => null,
    };
}
