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

/// <summary>How long a run's claim on its session lasts without renewal, so a crashed instance frees it.</summary>
public sealed class RunOptions
{
    public int ClaimSeconds { get; set; } = 60;
}
