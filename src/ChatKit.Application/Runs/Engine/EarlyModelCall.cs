using ChatKit.Application.Abstractions;

namespace ChatKit.Application.Runs.Engine;

/// <summary>
/// A turn's first model call, started as soon as its prompt is known (the checks passed and the history is read),
/// while the user message is still being committed: time to first token is then the longer of the two, not their
/// sum. If the commit fails the call is cancelled and never seen. The runner takes it over as its first step.
/// </summary>
public sealed class EarlyModelCall : IAsyncDisposable
{
    private readonly IAsyncEnumerator<ChatModelUpdate> _updates;
    private readonly CancellationTokenSource _cancel;
    private Task<bool>? _first;

    private EarlyModelCall(ChatPrompt prompt, IAsyncEnumerator<ChatModelUpdate> updates, Task<bool> first, CancellationTokenSource cancel)
    {
        Prompt = prompt;
        _updates = updates;
        _first = first;
        _cancel = cancel;
    }

    /// <summary>The prompt the call was made with (the first step's, tools included).</summary>
    public ChatPrompt Prompt { get; }

    /// <summary>Sends the request now: an async iterator runs nothing until its first <c>MoveNextAsync</c>.</summary>
    /// <param name="call">Streams one model call (the runner's: attachments read, then the upstream).</param>
    public static EarlyModelCall Start(Func<ChatPrompt, CancellationToken, IAsyncEnumerable<ChatModelUpdate>> call, ChatPrompt prompt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(call);
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var updates = call(prompt, cancel.Token).GetAsyncEnumerator(cancel.Token);
        return new EarlyModelCall(prompt, updates, updates.MoveNextAsync().AsTask(), cancel);
    }

    /// <summary>
    /// The call's updates, now cancelled by the run's token; the first <c>MoveNextAsync</c> answers the move already in
    /// flight.
    /// </summary>
    public IAsyncEnumerator<ChatModelUpdate> TakeOver(CancellationToken ct)
    {
        _registration = ct.Register(static c => ((CancellationTokenSource)c!).Cancel(), _cancel);
        return new Enumerator(this);
    }

    private CancellationTokenRegistration _registration;

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync().ConfigureAwait(false);
        if (_first is { } first)
        {
            // An iterator cannot be disposed while a move is in flight: let the cancelled move end first.
            await first.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)
                .ConfigureAwait(false);
        }

        await _updates.DisposeAsync().ConfigureAwait(false);
        _cancel.Dispose();
    }

    private sealed class Enumerator(EarlyModelCall call) : IAsyncEnumerator<ChatModelUpdate>
    {
        public ChatModelUpdate Current => call._updates.Current;

        public ValueTask<bool> MoveNextAsync()
        {
            if (call._first is { } first)
            {
                call._first = null;
                return new ValueTask<bool>(first);
            }

            return call._updates.MoveNextAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await call._registration.DisposeAsync().ConfigureAwait(false);
            await call._updates.DisposeAsync().ConfigureAwait(false);
            call._cancel.Dispose();
        }
    }
}
