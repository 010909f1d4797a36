using System.Collections.Concurrent;
using System.Diagnostics;

namespace ChatKit.Bench;

/// <summary>
/// Streams opened 128 at a time and held until closed: how many are open (a stream counts once its first counted line
/// arrives), and, once measuring, the gaps between each stream's counted lines.
/// </summary>
public sealed class HeldStreams : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly SemaphoreSlim _gate = new(128);
    private readonly List<Task> _streams;
    private int _opened;
    private int _measuring;

    private HeldStreams(int count, Func<int, CancellationToken, Task<HttpResponseMessage>> send, Func<string, bool> counts) =>
        _streams = Enumerable.Range(0, count).Select(i => HoldAsync(i, send, counts)).ToList();

    public int Opened => Volatile.Read(ref _opened);

    public ConcurrentBag<double> Gaps { get; } = [];

    /// <param name="send">Sends stream <c>i</c>'s request, answering at its headers.</param>
    /// <param name="counts">Whether a line of the body is one that opens the stream and, after, one whose gap is measured.</param>
    public static HeldStreams Open(int count, Func<int, CancellationToken, Task<HttpResponseMessage>> send, Func<string, bool> counts) =>
        new(count, send, counts);

    public async Task WaitOpenAsync(int target, TimeSpan timeout)
    {
        var started = Stopwatch.StartNew();
        while (Opened < target && started.Elapsed < timeout)
        {
            await Task.Delay(250);
        }
    }

    /// <summary>From now on, the gaps between counted lines are recorded.</summary>
    public void Measure() => Volatile.Write(ref _measuring, 1);

    public async Task CloseAsync()
    {
        await _cts.CancelAsync();
        await Task.WhenAll(_streams);
    }

    public void Dispose()
    {
        _cts.Dispose();
        _gate.Dispose();
    }

    private async Task HoldAsync(int i, Func<int, CancellationToken, Task<HttpResponseMessage>> send, Func<string, bool> counts)
    {
        await _gate.WaitAsync();
        var released = false;
        try
        {
            using var response = await send(i, _cts.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_cts.Token));
            long? last = null;
            while (await reader.ReadLineAsync(_cts.Token) is { } line)
            {
                if (!counts(line))
                {
                    continue;
                }

                var now = Stopwatch.GetTimestamp();
                if (last is null)
                {
                    Interlocked.Increment(ref _opened);
                    _gate.Release();
                    released = true;
                }
                else if (Volatile.Read(ref _measuring) == 1)
                {
                    Gaps.Add(Stopwatch.GetElapsedTime(last.Value, now).TotalMilliseconds);
                }

                last = now;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // closed at the end of the step, or failed to open
        }
        finally
        {
            if (!released)
            {
                _gate.Release();
            }
        }
    }
}
