namespace ChatKit.Application.Abstractions;

/// <summary>The per-user and per-session limits of the contract.</summary>
public sealed class LimitsOptions
{
    public int MaxSessionsPerUser { get; set; } = 10;

    public int MaxMessageLength { get; set; } = 500;

    public int MaxMessagesPerSession { get; set; } = 100;
}

/// <summary>What is sent upstream with each run.</summary>
public sealed class PromptOptions
{
    public string SystemPrompt { get; set; } =
        "You are a helpful assistant. Answer clearly and concisely.";

    /// <summary>At most this many earlier messages of the session go with the new one.</summary>
    public int HistoryMaxMessages { get; set; } = 20;

    /// <summary>And at most this many characters of them, the most recent kept first.</summary>
    public int HistoryMaxChars { get; set; } = 12_000;
}

/// <summary>How a run behaves.</summary>
public sealed class RunOptions
{
    /// <summary>How long a run's claim on its session lasts without renewal, so a crashed instance frees it.</summary>
    public int ClaimSeconds { get; set; } = 60;

    /// <summary><c>AGENT_MAX_STEPS</c>: model calls per turn; the last is made without tools, so a turn ends in words.</summary>
    public int MaxSteps { get; set; } = 5;

    /// <summary>How long a connected client waits for its reply to be stored before hearing that it is not stored yet.</summary>
    public TimeSpan SaveWait { get; set; } = TimeSpan.FromSeconds(10);
}
