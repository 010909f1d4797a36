using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using ChatKit.Application.Common;
using ChatKit.Domain.Attachments;

namespace ChatKit.Application.Attachments;

/// <summary>
/// An upload's bytes as chunks of at most <see cref="ChunkBytes"/>, read into one pooled buffer (memory per upload stays
/// one chunk, whatever the file's size), checked as they pass: never more than the limit or the declared size, the first
/// bytes the declared image's signature, a text file valid UTF-8 without NUL, and at the end exactly the declared size.
/// A broken rule throws <see cref="AttachmentRejectedException"/>, which rolls the upload back.
/// </summary>
public static class UploadChunks
{
    public const int ChunkBytes = 256 * 1024;

    /// <param name="declaredSize">The size <c>attachments.create</c> declared; null for a one-step upload, which takes what comes.</param>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(
        Stream source, string mimeType, long? declaredSize, long maxBytes, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        var text = AttachmentTypes.IsText(mimeType) ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder() : null;
        try
        {
            long total = 0;
            var first = true;
            while (true)
            {
                var filled = await FillAsync(source, buffer.AsMemory(0, ChunkBytes), ct).ConfigureAwait(false);
                total += filled;
                if (total > maxBytes)
                {
                    throw new AttachmentRejectedException(Errors.FileTooLarge(maxBytes));
                }

                if (total > declaredSize)
                {
                    throw Rejected("size", $"the upload is larger than the declared size ({declaredSize} bytes)");
                }

                var chunk = buffer.AsMemory(0, filled);
                if (first && !AttachmentTypes.LooksLike(mimeType, chunk.Span))
                {
                    throw Rejected("mime_type", $"the file's bytes are not {mimeType}");
                }

                first = false;
                if (text is not null)
                {
                    CheckText(text, chunk.Span, flush: filled < ChunkBytes);
                }

                if (filled > 0)
                {
                    yield return chunk;
                }

                if (filled < ChunkBytes)
                {
                    break; // the source ended
                }
            }

            if (declaredSize is { } declared && total != declared)
            {
                throw Rejected("size", $"the upload has {total} bytes where {declared} were declared");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads until the buffer is full or the source ends; what was read.</summary>
    private static async Task<int> FillAsync(Stream source, Memory<byte> into, CancellationToken ct)
    {
        var filled = 0;
        while (filled < into.Length)
        {
            var read = await source.ReadAsync(into[filled..], ct).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private static void CheckText(Decoder decoder, ReadOnlySpan<byte> bytes, bool flush)
    {
        try
        {
            // Convert (not GetCharCount, which keeps no state) remembers a character cut at the chunk's end for the next one.
            Span<char> sink = stackalloc char[1024];
            var rest = bytes;
            bool completed;
            do
            {
                decoder.Convert(rest, sink, flush, out var used, out _, out completed);
                rest = rest[used..];
            }
            while (!completed);
        }
        catch (DecoderFallbackException)
        {
            throw Rejected("mime_type", "a text file must be UTF-8");
        }

        if (bytes.Contains((byte)0))
        {
            throw Rejected("mime_type", "a text file must not hold NUL bytes");
        }
    }

    private static AttachmentRejectedException Rejected(string field, string message) => new(Errors.Invalid(field, message));
}

/// <summary>An upload broke a rule part way; the upload is rolled back and the error answered.</summary>
public sealed class AttachmentRejectedException : Exception
{
    public AttachmentRejectedException()
    {
    }

    public AttachmentRejectedException(string message)
        : base(message)
    {
    }

    public AttachmentRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AttachmentRejectedException(Error error)
        : base(error?.Message)
    {
        Error = error;
    }

    public Error? Error { get; }
}
