using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;

namespace ChatKit.Infrastructure.Llm;

/// <summary>
/// Repairs streamed tool calls before the OpenAI client reads them. Some OpenAI-compatible providers repeat one
/// <c>index</c> for several calls, leave it out, or send <c>"type": ""</c>; the client then merges different calls
/// into one or throws. Here each call gets its own index by its id (a delta without an id continues the call
/// before it) and every type is <c>function</c>. Lines without tool calls pass through untouched.
/// </summary>
internal sealed class ToolCallStreamNormalizer : DelegatingHandler
{
    /// <summary>
    /// Where the current model call's stream reports its usage: the cost (OpenRouter's <c>usage.cost</c>, which the OpenAI
    /// client has no field for) and whether a usage out of range was dropped before the client could choke on it.
    /// </summary>
    public static readonly AsyncLocal<UpstreamUsage?> Usage = new();

    /// <summary>No upstream line is allowed to grow the buffer past this (a stream that never ends a line is broken).</summary>
    public const int MaxLineBytes = 4 * 1024 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return response;
        }

        var original = response.Content;
        var body = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var replacement = new StreamContent(new NormalizingStream(body, Usage.Value));
        foreach (var header in original.Headers)
        {
            replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        replacement.Headers.ContentLength = null;
        response.Content = replacement;
        return response;
    }

    /// <summary>The index and type repair of one stream's tool-call deltas; state lives for one response.</summary>
    internal sealed class ToolCallIndexer
    {
        private readonly Dictionary<string, int> _indexById = new(StringComparer.Ordinal);
        private readonly Dictionary<int, int> _indexByUpstreamIndex = [];
        private int _last = -1;

        /// <summary>The line rewritten if it carries tool calls, else null (use it as it is).</summary>
        public string? Rewrite(string line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal) || !line.Contains("\"tool_calls\"", StringComparison.Ordinal))
            {
                return null;
            }

            JsonNode? chunk;
            try
            {
                chunk = JsonNode.Parse(line.AsSpan(5).Trim().ToString());
            }
            catch (System.Text.Json.JsonException)
            {
                return null; // the client reports the unreadable chunk itself
            }

            if (chunk?["choices"] is not JsonArray choices)
            {
                return null;
            }

            foreach (var choice in choices)
            {
                if (choice?["delta"]?["tool_calls"] is not JsonArray calls)
                {
                    continue;
                }

                foreach (var call in calls.OfType<JsonObject>())
                {
                    call["index"] = IndexOf(call);
                    if (call.ContainsKey("type"))
                    {
                        call["type"] = "function";
                    }
                }
            }

            return "data: " + chunk.ToJsonString();
        }

        private int IndexOf(JsonObject call)
        {
            var id = call["id"] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
            int? upstream = call["index"] is JsonValue i && i.TryGetValue<int>(out var n) ? n : null;
            if (id is not null)
            {
                if (!_indexById.TryGetValue(id, out var known))
                {
                    known = _indexById.Count;
                    _indexById[id] = known;
                }

                if (upstream is { } u)
                {
                    _indexByUpstreamIndex[u] = known;
                }

                _last = known;
                return known;
            }

            // A continuation: of the call that last came with this upstream index, else of the last call seen
            // (or of a first call that had no id).
            if (upstream is { } seen && _indexByUpstreamIndex.TryGetValue(seen, out var mapped))
            {
                return mapped;
            }

            if (_last < 0)
            {
                _last = _indexById.Count;
                _indexById["\0" + _last] = _last;
            }

            return _last;
        }
    }

    /// <summary>Reads the upstream line by line and hands on each line, repaired where needed.</summary>
    private sealed class NormalizingStream(Stream inner, UpstreamUsage? usage) : ReadOnlyStream
    {
        private readonly ToolCallIndexer _indexer = new();
        private readonly ArrayBufferWriter<byte> _line = new();
        private const int ChunkBytes = 16 * 1024;
        private byte[] _out = [];
        private int _outPos;
        private bool _ended;

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_outPos >= _out.Length)
            {
                if (_ended)
                {
                    return 0;
                }

                // Wait for the model's next bytes holding no buffer (a zero-byte read), then borrow one only to read what came:
                // an open stream spends most of its life waiting, and thousands of them must not each keep 16 KiB.
                await inner.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
                try
                {
                    var read = await inner.ReadAsync(chunk.AsMemory(0, ChunkBytes), cancellationToken).ConfigureAwait(false);
                    _out = read == 0 ? FlushLine() : Consume(chunk.AsSpan(0, read));
                    _outPos = 0;
                    _ended = read == 0;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                }
            }

            var n = Math.Min(buffer.Length, _out.Length - _outPos);
            _out.AsSpan(_outPos, n).CopyTo(buffer.Span);
            _outPos += n;
            return n;
        }

        /// <summary>Every complete line in the chunk, repaired; a partial line waits for the rest.</summary>
        private byte[] Consume(ReadOnlySpan<byte> data)
        {
            var output = new ArrayBufferWriter<byte>(data.Length + 64);
            while (data.Length > 0)
            {
                var newline = data.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    if (_line.WrittenCount + data.Length > MaxLineBytes)
                    {
                        throw new IOException("The model service sent a line longer than " + MaxLineBytes + " bytes.");
                    }

                    _line.Write(data);
                    break;
                }

                _line.Write(data[..(newline + 1)]);
                data = data[(newline + 1)..];
                EmitLine(output);
            }

            return output.WrittenSpan.ToArray();
        }

        private byte[] FlushLine()
        {
            var output = new ArrayBufferWriter<byte>();
            if (_line.WrittenCount > 0)
            {
                EmitLine(output);
            }

            return output.WrittenSpan.ToArray();
        }

        private void EmitLine(ArrayBufferWriter<byte> output)
        {
            var bytes = _line.WrittenSpan;
            var text = Encoding.UTF8.GetString(bytes).TrimEnd('\n', '\r');
            var checkedUsage = usage is not null && text.Contains("\"usage\"", StringComparison.Ordinal) ? usage.Read(text) : null;
            if ((_indexer.Rewrite(checkedUsage ?? text) ?? checkedUsage) is { } rewritten)
            {
                output.Write(Encoding.UTF8.GetBytes(rewritten + "\n"));
            }
            else
            {
                output.Write(bytes);
            }

            _line.ResetWrittenCount();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
