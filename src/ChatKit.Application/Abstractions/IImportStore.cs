namespace ChatKit.Application.Abstractions;

/// <summary>One line of an export to import, already checked on its own: its number in the file, its kind, its JSON.</summary>
public sealed record ImportLine(int Number, string Kind, string Json);

/// <summary>What an import may add to the caller's account (0 = no limit), from their plan.</summary>
public sealed record ImportLimits(int MaxSessions, int MaxMessagesPerSession, int MaxTasks, long AttachmentBytes, int AttachmentsPerMessage);

/// <summary>What the import stored, and what it read and left out.</summary>
public sealed record ImportCounts(int Sessions, int Messages, int Tasks, int Attachments, int SkippedAttachments, int SkippedUsage);

/// <summary>Why an import stored nothing.</summary>
public enum ImportRefusal
{
    /// <summary>A line names something the file does not hold, or an id twice (<see cref="ImportResult.Line"/> says which).</summary>
    InvalidLine,
    SessionLimit,
    MessageLimit,
    TaskLimit,
    StorageLimit,
}

/// <summary>The counts, or the refusal (with the line and the reason for an invalid line).</summary>
public sealed record ImportResult(ImportCounts? Counts, ImportRefusal? Refusal = null, int? Line = null, string? Reason = null);

/// <summary>An export read back into a user's account, all or nothing (docs/export-format.md).</summary>
public interface IImportStore
{
    /// <summary>
    /// Stages the lines as they are read (nothing gathered in memory) and then, in the same transaction, checks their
    /// references and the limits and stores them under new ids. A <see cref="ImportLineException"/> thrown while reading
    /// rolls everything back.
    /// </summary>
    Task<ImportResult> ImportAsync(string userId, IAsyncEnumerable<ImportLine> lines, ImportLimits limits, CancellationToken ct);
}

/// <summary>A line of the file that cannot be imported: its number and why, in words for the user.</summary>
public sealed class ImportLineException(int line, string reason) : Exception($"line {line}: {reason}")
{
    public int Line { get; } = line;

    public string Reason { get; } = reason;
}
