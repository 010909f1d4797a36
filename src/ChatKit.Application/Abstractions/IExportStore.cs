namespace ChatKit.Application.Abstractions;

/// <summary>A user's whole data as export lines (docs/export-format.md), read from one consistent snapshot.</summary>
public interface IExportStore
{
    /// <summary>
    /// Each line one JSON object (sessions, then messages of every branch, tasks, attachments' metadata, with
    /// <paramref name="withAttachmentBytes"/> their bytes a chunk a line, then usage rows), streamed from the database as it
    /// reads: nothing is gathered in memory.
    /// </summary>
    IAsyncEnumerable<string> ReadAsync(string userId, bool withAttachmentBytes, CancellationToken ct);
}
