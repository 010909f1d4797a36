namespace ChatKit.Application.Abstractions;

/// <summary>A user's whole data as export lines (docs/export-format.md), read from one consistent snapshot.</summary>
public interface IExportStore
{
    /// <summary>
    /// Each line one JSON object (sessions, then messages of every branch, tasks, attachments' metadata, usage rows),
    /// streamed from the database as it reads: nothing is gathered in memory.
    /// </summary>
    IAsyncEnumerable<string> ReadAsync(string userId, CancellationToken ct);
}
