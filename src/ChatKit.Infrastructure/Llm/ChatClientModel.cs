using System.ClientModel.Primitives;
using System.ClientModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using ChatKit.Application.Abstractions;
using ChatKit.Domain.Sessions;
using ChatKit.Infrastructure.Options;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI.Chat;
using OpenAI;

namespace ChatKit.Infrastructure.Llm;

/// <summary>
/// OpenRouter, or any OpenAI-compatible server, through <see cref="IChatClient"/> (Microsoft.Extensions.AI's
/// OpenAI adapter) over an <see cref="IHttpClientFactory"/> client that carries <c>HTTP-Referer</c>/<c>X-Title</c>,
/// normalises streamed tool calls (<see cref="ToolCallStreamNormalizer"/>) and closes the upstream when the
/// caller cancels. No retries: a retried stream would repeat text the user has already seen. A call that ends
/// without a finish reason was cut (a proxy closing the connection cleanly mid-reply) and fails as such.
/// </summary>
internal sealed partial class ChatClientModel(IHttpClientFactory httpClients, IOptions<LlmOptions> options, GenAiTelemetry telemetry, ILogger<ChatClientModel> logger) : IChatModel
{
    // One client for the process: building its pipeline per run costs measurable time to first token, and the
    // handler's PooledConnectionLifetime already recycles connections (so the factory's rotation is not needed).
    private readonly Lazy<IChatClient> _client = new(() => new ChatClient(
        options.Value.Model,
        new ApiKeyCredential(options.Value.ApiKey!),
        new OpenAIClientOptions
        {
            Endpoint = options.Value.BaseUrl,
            Transport = new HttpClientPipelineTransport(httpClients.CreateClient(LlmOptions.HttpClientName)),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds + 5),
        }).AsIChatClient());

    private DeclaredTools? _declared;

    public string Name => options.Value.Model;

    public async IAsyncEnumerable<ChatModelUpdate> StreamAsync(ChatPrompt prompt, [EnumeratorCancellation] CancellationToken ct)
    {
        var o = options.Value;
        var timeout = TimeSpan.FromSeconds(o.TimeoutSeconds);

        // Cancels on the caller's token (client gone) or when the upstream stays silent too long.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(timeout);
        AbortOnCancelHandler.CallerToken.Value = idle.Token;
        var responded = new System.Runtime.CompilerServices.StrongBox<bool>();
        AbortOnCancelHandler.Responded.Value = responded;
        var cost = new UpstreamUsage();
        ToolCallStreamNormalizer.Usage.Value = cost;
        var updates = _client.Value.GetStreamingResponseAsync(ToMessages(prompt), ToOptions(prompt), idle.Token).GetAsyncEnumerator(idle.Token);
        var calls = new SortedDictionary<int, CallParts>();
        Microsoft.Extensions.AI.ChatFinishReason? reason = null;
        UsageDetails? usage = null;
        string? error = null;
        var requested = prompt.Model ?? o.Model;
        var record = telemetry.Start(requested, o.BaseUrl);
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex)
                {
                    error = ex.GetType().FullName;
                    if (ct.IsCancellationRequested)
                    {
                        // Our caller's cancel tore the response down under the read (AbortOnCancelHandler): whatever the
                        // read threw (ObjectDisposedException, even a NullReferenceException inside HttpClient) is that cancel.
                        throw new OperationCanceledException("The caller cancelled the model call.", ex, ct);
                    }

                    if (idle.IsCancellationRequested)
                    {
                        throw new ChatModelException($"The model service did not answer within {o.TimeoutSeconds} seconds.", ex);
                    }

                    if (Translate(ex, o.TimeoutSeconds, responded.Value) is { } failure)
                    {
                        throw failure;
                    }

                    throw;
                }

                idle.CancelAfter(timeout);
                record.Chunk();

                // Calls are assembled from the raw deltas, not from the adapter's parsed FunctionCallContent: that one
                // drops an argument text that is not valid JSON, and the model's exact text is what gets stored.
                if (update.RawRepresentation is StreamingChatCompletionUpdate raw)
                {
                    foreach (var part in raw.ToolCallUpdates)
                    {
                        if (!calls.TryGetValue(part.Index, out var call))
                        {
                            calls[part.Index] = call = new CallParts();
                        }

                        call.Id ??= string.IsNullOrEmpty(part.ToolCallId) ? null : part.ToolCallId;
                        call.Name ??= string.IsNullOrEmpty(part.FunctionName) ? null : part.FunctionName;
                        if (part.FunctionArgumentsUpdate is { } args && !args.IsEmpty)
                        {
                            call.Arguments.Append(args.ToString());
                        }
                    }
                }

                reason = update.FinishReason ?? reason;
                var reported = update.Contents.OfType<UsageContent>().Select(u => u.Details).FirstOrDefault();
                usage = reported ?? usage;
                var text = update.Text;
                if (text.Length > 0 || reported is not null)
                {
                    yield return new ChatModelUpdate(
                        text.Length > 0 ? text : null,
                        reported is null ? null : new TokenUsage(
                            (int)(reported.InputTokenCount ?? 0), (int)(reported.OutputTokenCount ?? 0), (int)(reported.TotalTokenCount ?? 0), cost.Usd));
                }
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
            record.End(
                reason?.Value,
                (int?)usage?.InputTokenCount,
                (int?)usage?.OutputTokenCount,
                error ?? (reason is null ? (ct.IsCancellationRequested ? typeof(OperationCanceledException).FullName : "cut_off") : null));
            if (cost.Dropped is { } dropped)
            {
                LogUsageDropped(logger, dropped, requested);
            }
        }

        var finish = Finish(reason);
        if (finish is null && !ct.IsCancellationRequested)
        {
            throw new ChatModelException("The model service's reply was cut off before it finished.");
        }

        foreach (var call in calls.Values)
        {
            yield return new ChatModelUpdate(null, ToolCall: new ToolCall(
                call.Id ?? string.Empty, "function", new ToolCallFunction(call.Name ?? string.Empty, call.Arguments.ToString())));
        }

        yield return new ChatModelUpdate(null, Finish: finish);
    }

    private static ModelFinish? Finish(Microsoft.Extensions.AI.ChatFinishReason? reason) =>
        reason is not { } r ? null
        : r == Microsoft.Extensions.AI.ChatFinishReason.Length ? ModelFinish.Length
        : r == Microsoft.Extensions.AI.ChatFinishReason.ContentFilter ? ModelFinish.ContentFilter
        : r == Microsoft.Extensions.AI.ChatFinishReason.ToolCalls ? ModelFinish.ToolCalls
        : ModelFinish.Stop;

    /// <summary>
    /// The request's tools as the OpenAI client sends them, handed over ready-made: built from their definitions once per
    /// set (the toolbox's is one list for the process), not declared, converted and their schemas serialised again on
    /// every model call — which cost each open stream about 8 KiB and each tool step its share of CPU (ADR-017).
    /// </summary>
    private ChatOptions? ToOptions(ChatPrompt prompt)
    {
        if (prompt.Tools.Count == 0)
        {
            return prompt.Model is null ? null : new ChatOptions { ModelId = prompt.Model };
        }

        var declared = _declared;
        if (!ReferenceEquals(declared?.Definitions, prompt.Tools))
        {
            _declared = declared = new DeclaredTools(
                prompt.Tools,
                [.. prompt.Tools.Select(t => ChatTool.CreateFunctionTool(t.Name, t.Description, BinaryData.FromString(t.Parameters.GetRawText())))]);
        }

        var choice = prompt.ToolChoice is { } forced ? ChatToolChoice.CreateFunctionChoice(forced) : ChatToolChoice.CreateAutoChoice();
        return new ChatOptions
        {
            ModelId = prompt.Model,
            RawRepresentationFactory = _ =>
            {
                var raw = new ChatCompletionOptions { ToolChoice = choice };
                foreach (var tool in declared.Tools)
                {
                    raw.Tools.Add(tool);
                }

                return raw;
            },
        };
    }

    private static List<AiChatMessage> ToMessages(ChatPrompt prompt)
    {
        var messages = new List<AiChatMessage> { new(ChatRole.System, prompt.SystemPrompt) };
        foreach (var m in prompt.Messages)
        {
            messages.Add(m.Role switch
            {
                MessageRole.Assistant when m.ToolCalls is { Count: > 0 } calls => new AiChatMessage(
                    ChatRole.Assistant,
                    [
                        .. m.Text.Length > 0 ? [new TextContent(m.Text)] : Array.Empty<AIContent>(),
                        .. calls.Select(c => new FunctionCallContent(c.Id, c.Function.Name, ArgumentsOf(c.Function.Arguments))),
                    ]),
                MessageRole.Assistant => new AiChatMessage(ChatRole.Assistant, m.Text),
                MessageRole.Tool => new AiChatMessage(ChatRole.Tool, [new FunctionResultContent(m.ToolCallId!, m.Text)]),
                MessageRole.Note => new AiChatMessage(ChatRole.System, m.Text),
                _ when m.Attachments.Count > 0 => new AiChatMessage(ChatRole.User, [
                    .. m.Text.Length > 0 ? [new TextContent(m.Text)] : Array.Empty<AIContent>(),
                    .. m.Attachments.Select(AttachmentContent),
                ]),
                _ => new AiChatMessage(ChatRole.User, m.Text),
            });
        }

        return messages;
    }

    /// <summary>
    /// An attachment as the upstream takes it: an image as an image part (a <c>data:</c> URL, so the upstream needs no access
    /// to this service), anything else as the text the reader made of it.
    /// </summary>
    private static AIContent AttachmentContent(PromptAttachment a) =>
        a.Image is { } image ? new DataContent(image, a.MimeType) : new TextContent(a.Text ?? $"[Attached file: {a.Name}]");

    /// <summary>A stored call's arguments as the adapter wants them; text that is not a JSON object goes back as <c>{}</c>.</summary>
    private static Dictionary<string, object?> ArgumentsOf(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, object?>>(json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>
    /// Upstream failures become a <see cref="ChatModelException"/> whose text is safe to show a user. Data that could not be
    /// handled before the upstream answered (<paramref name="responded"/> false) is a prompt this service could not build:
    /// an internal failure, left to the caller, never blamed on the model.
    /// </summary>
    internal static ChatModelException? Translate(Exception ex, int timeoutSeconds, bool responded = true) => ex switch
    {
        ChatModelException same => same,
        ClientResultException { Status: > 0 } r => new ChatModelException($"The model service answered with status {r.Status}.", ex),
        OperationCanceledException or TimeoutException =>
            new ChatModelException($"The model service did not answer within {timeoutSeconds} seconds.", ex),
        JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException when !responded => null,
        JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException =>
            new ChatModelException("The model service sent data that could not be read.", ex),
        HttpRequestException or IOException or ClientResultException =>
            new ChatModelException("The connection to the model service was lost.", ex),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream model {Model} reported {Field} out of range; it was dropped (token counts are then estimated, a cost left unrecorded)")]
    private static partial void LogUsageDropped(ILogger logger, string field, string model);

    /// <summary>A set of tool definitions and the OpenAI client's form of them; never changed once built, so shared by concurrent calls.</summary>
    private sealed record DeclaredTools(IReadOnlyList<ToolDefinition> Definitions, ChatTool[] Tools);

    private sealed class CallParts
    {
        public string? Id { get; set; }

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}
