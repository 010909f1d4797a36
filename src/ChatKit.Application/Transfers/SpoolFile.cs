using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ChatKit.Application.Transfers;

/// <summary>
/// A temporary file a transfer is received into (or an export is read into) before the other side is met, so that no
/// pooled database connection is held while a client sends or reads at its own pace: an upload or an import is stored
/// from here in one short transaction, an export is read from PostgreSQL at disk speed and sent from here. Deleted when
/// disposed (and by the OS if the process dies: it is opened delete-on-close).
/// </summary>
public sealed class SpoolFile : IAsyncDisposable
{
    private readonly FileStream _file;

    private SpoolFile(FileStream file)
    {
        _file = file;
    }

    public static SpoolFile Create() => new(new FileStream(
        Path.Combine(Path.GetTempPath(), "chatkit-spool-" + Guid.NewGuid().ToString("N")),
        new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous | FileOptions.DeleteOnClose | FileOptions.SequentialScan,
            BufferSize = 64 * 1024,
        }));

    /// <summary>Bytes written so far (framing included for records).</summary>
    public long Length => _file.Length;

    /// <summary>Writes bytes as they are (an export's NDJSON).</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct) => _file.WriteAsync(bytes, ct);

    /// <summary>Writes one record (length-prefixed), read back whole by <see cref="ReadRecordsAsync"/>.</summary>
    public async ValueTask WriteRecordAsync(ReadOnlyMemory<byte> record, CancellationToken ct)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, record.Length);
        await _file.WriteAsync(header, ct).ConfigureAwait(false);
        await _file.WriteAsync(record, ct).ConfigureAwait(false);
    }

    /// <summary>The records written, in order, each in one pooled buffer that the next one reuses: use it before moving on.</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadRecordsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await _file.FlushAsync(ct).ConfigureAwait(false);
        _file.Position = 0;
        var header = new byte[4];
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (await _file.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, ct).ConfigureAwait(false) == 4)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                if (length > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(length);
                }

                await _file.ReadExactlyAsync(buffer.AsMemory(0, length), ct).ConfigureAwait(false);
                yield return buffer.AsMemory(0, length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies everything written to <paramref name="destination"/>, from the start.</summary>
    public async Task CopyToAsync(Stream destination, CancellationToken ct)
    {
        await _file.FlushAsync(ct).ConfigureAwait(false);
        _file.Position = 0;
        await _file.CopyToAsync(destination, 64 * 1024, ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
