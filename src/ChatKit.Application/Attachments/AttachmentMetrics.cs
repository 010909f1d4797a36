using System.Diagnostics.Metrics;

namespace ChatKit.Application.Attachments;

/// <summary>Attachment instruments on the <c>ChatKit.Attachments</c> meter: uploads by outcome, and the bytes they stored.</summary>
public sealed class AttachmentMetrics
{
    public const string MeterName = "ChatKit.Attachments";

    private readonly Counter<long> _uploads;
    private readonly Counter<long> _bytes;

    public AttachmentMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _uploads = meter.CreateCounter<long>("chatkit.attachment.uploads", description: "Uploads by outcome (stored, rejected, over_limit, aborted)");
        _bytes = meter.CreateCounter<long>("chatkit.attachment.bytes_stored", "By", "Bytes stored by uploads");
    }

    public void Uploaded(string outcome, long bytes = 0)
    {
        _uploads.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (bytes > 0)
        {
            _bytes.Add(bytes);
        }
    }
}
