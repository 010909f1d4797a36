namespace ChatKit.Application.Abstractions;

/// <summary>The agent's tool call a task change is made for: its session and call id.</summary>
public sealed record ToolCallRecord(Guid SessionId, string CallId);

/// <summary>
/// The tool call under way on this async flow (ADR-023). A task store that changes a task while one is under way records
/// the call in the same transaction as the change, keyed by its id, so a survivor taking a dead instance's turn over can
/// tell a call that acted from one that never did, and never runs one twice. Changes made through REST or MCP have no
/// call under way and record nothing.
/// </summary>
public static class ToolCallScope
{
    private static readonly AsyncLocal<ToolCallRecord?> Under = new();

    public static ToolCallRecord? Current => Under.Value;

    /// <summary>Marks <paramref name="call"/> as under way until the returned scope is disposed.</summary>
    public static IDisposable Begin(ToolCallRecord call)
    {
        var outer = Under.Value;
        Under.Value = call;
        return new Scope(outer);
    }

    private sealed class Scope(ToolCallRecord? outer) : IDisposable
    {
        public void Dispose() => Under.Value = outer;
    }
}

/// <summary>A tool call whose task change committed, and the task it changed.</summary>
public sealed record ToolEffect(string CallId, Guid? TaskId);
