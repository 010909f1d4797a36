namespace ChatKit.Testing;

/// <summary>How the fake sends a step's tool calls: as OpenAI does, or with a quirk some OpenRouter providers have.</summary>
public enum ToolCallQuirk
{
    None,

    /// <summary>Every call carries <c>"index": 0</c>.</summary>
    RepeatIndex,

    /// <summary>No delta carries an <c>index</c>.</summary>
    OmitIndex,

    /// <summary>The first delta of each call says <c>"type": ""</c>.</summary>
    EmptyType,
}

public sealed record ScriptedCall(string Id, string Name, string Arguments);

/// <summary>
/// One model call of a scripted turn: text chunks, then tool calls (their arguments split over several deltas),
/// then a finish reason; <see cref="Finish"/> null ends the stream cleanly with neither a finish reason nor <c>[DONE]</c>.
/// </summary>
public sealed record ScriptStep(IReadOnlyList<string> Chunks, IReadOnlyList<ScriptedCall> Calls)
{
    public string? Finish { get; init; } = "stop";

    public ToolCallQuirk Quirk { get; init; }

    /// <summary>Hold the stream open after the calls (before the finish) until the caller hangs up.</summary>
    public bool StallAfterCalls { get; init; }

    /// <summary>How long the fake waits before each text chunk (2 ms unless set: a slow step to cut in the middle).</summary>
    public int GapMs { get; init; } = 2;

    public static ScriptStep Text(params string[] chunks) => new(chunks, []);

    public static ScriptStep ToolCalls(params ScriptedCall[] calls) => new([], calls) { Finish = "tool_calls" };
}
