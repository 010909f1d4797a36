using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChatKit.Infrastructure.Llm;

/// <summary>
/// The model calls' span and metrics under the GenAI semantic conventions, with the names and units
/// Microsoft.Extensions.AI's <c>OpenTelemetryChatClient</c> uses (<c>chat {model}</c>, <c>gen_ai.client.operation.duration</c>,
/// <c>gen_ai.client.token.usage</c>, <c>gen_ai.client.operation.time_to_first_chunk</c>). Recorded from the figures the
/// stream already reads (finish reason, usage, first text), because that client keeps every streamed update of a
/// call until its end to build them — about 2 KiB per token held for as long as a reply streams (ADR-017). Never
/// any message content.
/// </summary>
internal sealed class GenAiTelemetry : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly long[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    private readonly ActivitySource _source = new(TelemetryNames.GenAi);
    private readonly Meter _meter = new(TelemetryNames.GenAi);
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _firstChunk;
    private readonly Histogram<long> _tokens;

    public GenAiTelemetry()
    {
        _duration = _meter.CreateHistogram("gen_ai.client.operation.duration", "s", "Measures the duration of a GenAI operation",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _firstChunk = _meter.CreateHistogram("gen_ai.client.operation.time_to_first_chunk", "s", "Measures the time to receive the first chunk from a streaming GenAI operation",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _tokens = _meter.CreateHistogram("gen_ai.client.token.usage", "{token}", "Measures number of input and output tokens used",
            tags: null, new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });
    }

    /// <summary>Starts one model call's record; its span (when anything listens) is the parent of the upstream HTTP call.</summary>
    public Call Start(string model, Uri endpoint) => new(this, model, endpoint);

    public void Dispose()
    {
        _source.Dispose();
        _meter.Dispose();
    }

    /// <summary>One model call: the span, and what its metrics are tagged with. Ends once, with <see cref="End"/>.</summary>
    internal sealed class Call
    {
        private readonly GenAiTelemetry _owner;
        private readonly Activity? _activity;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly TagList _tags;
        private bool _sawChunk;

        public Call(GenAiTelemetry owner, string model, Uri endpoint)
        {
            _owner = owner;
            _tags = new TagList
            {
                { "gen_ai.operation.name", "chat" },
                { "gen_ai.provider.name", "openai" },
                { "gen_ai.request.model", model },
                { "server.address", endpoint.Host },
                { "server.port", endpoint.Port },
            };
            _activity = owner._source.StartActivity($"chat {model}", ActivityKind.Client);
            if (_activity is { IsAllDataRequested: true })
            {
                foreach (var tag in _tags)
                {
                    _activity.SetTag(tag.Key, tag.Value);
                }

                _activity.SetTag("gen_ai.request.stream", true);
            }
        }

        /// <summary>The first streamed chunk arrived.</summary>
        public void Chunk()
        {
            if (_sawChunk)
            {
                return;
            }

            _sawChunk = true;
            if (_owner._firstChunk.Enabled)
            {
                _owner._firstChunk.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, _tags);
            }
        }

        /// <summary>The call ended: with a finish reason and usage when it finished, with what went wrong when not.</summary>
        public void End(string? finishReason, int? inputTokens, int? outputTokens, string? errorType)
        {
            var tags = _tags;
            if (errorType is not null)
            {
                tags.Add("error.type", errorType);
            }

            _owner._duration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tags);
            if (_owner._tokens.Enabled)
            {
                if (inputTokens is { } input)
                {
                    var t = tags;
                    t.Add("gen_ai.token.type", "input");
                    _owner._tokens.Record(input, t);
                }

                if (outputTokens is { } output)
                {
                    var t = tags;
                    t.Add("gen_ai.token.type", "output");
                    _owner._tokens.Record(output, t);
                }
            }

            if (_activity is null)
            {
                return;
            }

            if (_activity.IsAllDataRequested)
            {
                if (finishReason is not null)
                {
                    _activity.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
                }

                _activity.SetTag("gen_ai.usage.input_tokens", inputTokens);
                _activity.SetTag("gen_ai.usage.output_tokens", outputTokens);
                if (errorType is not null)
                {
                    _activity.SetTag("error.type", errorType);
                    _activity.SetStatus(ActivityStatusCode.Error, errorType);
                }
            }

            _activity.Dispose();
        }
    }
}
