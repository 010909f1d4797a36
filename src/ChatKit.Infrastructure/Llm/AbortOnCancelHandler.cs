namespace ChatKit.Infrastructure.Llm;

/// <summary>
/// Makes the caller's cancellation token close a streamed upstream response at once. The OpenAI client
/// hands HttpClient a token of its own and notices ours only about a second later, so a client that hung
/// up would keep the model generating; disposing the body stream aborts the connection instead. The
/// caller's token reaches this handler through <see cref="CallerToken"/>, which flows with the async call.
/// </summary>
internal sealed class AbortOnCancelHandler : DelegatingHandler
{
    public static readonly AsyncLocal<CancellationToken> CallerToken = new();

    /// <summary>Set once the upstream answered the current call, so a failure before that is told apart as ours.</summary>
    public static readonly AsyncLocal<System.Runtime.CompilerServices.StrongBox<bool>?> Responded = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (Responded.Value is { } responded)
        {
            responded.Value = true;
        }

        var caller = CallerToken.Value;
        if (!caller.CanBeCanceled)
        {
            return response;
        }

        var original = response.Content;
        var body = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var registration = caller.Register(static s =>
        {
            var (r, b) = ((HttpResponseMessage, Stream))s!;
            b.Dispose();
            r.Dispose();
        }, (response, body));
        var replacement = new StreamContent(new CallbackStream(body, registration));
        foreach (var header in original.Headers)
        {
            replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = replacement;
        return response;
    }

    /// <summary>Passes reads through; disposing it also drops the cancellation registration.</summary>
    private sealed class CallbackStream(Stream inner, CancellationTokenRegistration registration) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                registration.Dispose();
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
