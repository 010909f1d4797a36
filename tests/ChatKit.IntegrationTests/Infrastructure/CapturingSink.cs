using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>Keeps every log event a test app writes, for tests that read what was logged and at which level.</summary>
public sealed class CapturingSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyCollection<LogEvent> Events => _events;

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);
}
