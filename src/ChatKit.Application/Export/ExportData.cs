using System.Text;
using System.Text.Json;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Common;
using ChatKit.Application.Transfers;
using Mediator;

namespace ChatKit.Application.Export;

/// <summary><c>GET /api/v1/chatkit/export</c>: the caller's data as NDJSON lines, a header first.</summary>
/// <param name="WithAttachmentBytes"><c>include=attachments</c>: each attachment's bytes follow as <c>attachment_chunk</c> lines.</param>
public sealed record ExportQuery(string UserId, bool WithAttachmentBytes = false) : IQuery<Result<ExportFile>>;

/// <summary>
/// An export read whole into its transfer's spool file: sent to the client at its pace, with no connection or snapshot
/// held meanwhile; disposing it deletes the file and frees the transfer's slot.
/// </summary>
public sealed class ExportFile(Transfer transfer) : IAsyncDisposable
{
    public long Length => transfer.Spool.Length;

    public Task CopyToAsync(Stream destination, CancellationToken ct) => transfer.Spool.CopyToAsync(destination, ct);

    public ValueTask DisposeAsync() => transfer.DisposeAsync();
}

public sealed class ExportHandler(IExportStore store, TimeProvider clock, TransferGate transfers) : IQueryHandler<ExportQuery, Result<ExportFile>>
{
    /// <summary>The export format's version; a reader refuses a version it does not know.</summary>
    public const int Version = 2;

    /// <summary>
    /// Reads the export from one snapshot at the database's pace into a spool file; a database failure surfaces here,
    /// before the response's first byte (answered 503), never as a cut connection.
    /// </summary>
    public async ValueTask<Result<ExportFile>> Handle(ExportQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var begun = transfers.Begin(query.UserId);
        if (!begun.IsSuccess)
        {
            return begun.Error!;
        }

        var transfer = begun.Value;
        try
        {
            await WriteLineAsync(transfer.Spool, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["kind"] = "export",
                ["version"] = Version,
                ["user_id"] = query.UserId,
                ["exported_at"] = clock.GetUtcNow().UtcDateTime,
            }), cancellationToken).ConfigureAwait(false);
            await foreach (var line in store.ReadAsync(query.UserId, query.WithAttachmentBytes, cancellationToken).ConfigureAwait(false))
            {
                await WriteLineAsync(transfer.Spool, line, cancellationToken).ConfigureAwait(false);
            }

            return new ExportFile(transfer);
        }
        catch
        {
            await transfer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static ValueTask WriteLineAsync(SpoolFile spool, string line, CancellationToken ct) =>
        spool.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), ct);
}
