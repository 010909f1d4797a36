using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatKit.Application.Abstractions;
using Mediator;

namespace ChatKit.Application.Export;

/// <summary><c>GET /api/v1/chatkit/export</c>: the caller's data as NDJSON lines, a header first.</summary>
/// <param name="WithAttachmentBytes"><c>include=attachments</c>: each attachment's bytes follow as <c>attachment_chunk</c> lines.</param>
public sealed record ExportQuery(string UserId, bool WithAttachmentBytes = false) : IStreamQuery<string>;

public sealed class ExportHandler(IExportStore store, TimeProvider clock) : IStreamQueryHandler<ExportQuery, string>
{
    /// <summary>The export format's version; a reader refuses a version it does not know.</summary>
    public const int Version = 2;

    public async IAsyncEnumerable<string> Handle(ExportQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        yield return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kind"] = "export",
            ["version"] = Version,
            ["user_id"] = query.UserId,
            ["exported_at"] = clock.GetUtcNow().UtcDateTime,
        });
        await foreach (var line in store.ReadAsync(query.UserId, query.WithAttachmentBytes, cancellationToken).ConfigureAwait(false))
        {
            yield return line;
        }
    }
}
