using System.Diagnostics;
using ChatKit.Application.Runs.Engine;
using ChatKit.Infrastructure.Llm;
using ChatKit.Infrastructure.Redis;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog.Core;
using Serilog.Events;

namespace ChatKit.Api.Hosting;

/// <summary>
/// OpenTelemetry traces and metrics: incoming HTTP, the upstream HTTP calls, Npgsql, Redis, the model calls with the
/// GenAI conventions (recorded by <c>GenAiTelemetry</c> under the names Microsoft.Extensions.AI uses, without message content; ADR-017), and the service's
/// own meter. OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (nothing is recorded for traces otherwise); Prometheus text at <c>/metrics</c> on
/// <c>METRICS_PORT</c> only, on a listener of its own, never on the public port (ADR-010).
/// </summary>
public static class Telemetry
{
    public static void AddChatKitTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var metricsPort = Settings.Int(configuration, "METRICS_PORT", 0, 0, 65535);
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        // What is traced and measured, for whichever provider exists. A provider exists only when something receives
        // what it records (OTLP, or /metrics for the meters): without one, every request, query and model call built
        // and recorded spans and measurements that nothing read, about a tenth of a read's cost (docs/performance.md).
        services.ConfigureOpenTelemetryTracerProvider(t => t
            .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
            .AddHttpClientInstrumentation()
            .AddNpgsql()
            .AddRedisInstrumentation()
            .ConfigureRedisInstrumentation((sp, redis) =>
            {
                if (sp.GetRequiredService<RedisConnection>().GetAsync().GetAwaiter().GetResult() is { } connection)
                {
                    redis.AddConnection(connection);
                }
            })
            .AddSource(TelemetryNames.GenAi));
        services.ConfigureOpenTelemetryMeterProvider(m => m
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddMeter(RunMetrics.MeterName, Application.Attachments.AttachmentMetrics.MeterName, Application.Transfers.TransferGate.MeterName, TelemetryNames.GenAi, "Npgsql"));
        var otel = services.AddOpenTelemetry().ConfigureResource(r => r.AddService("chatkit"));
        if (otlp)
        {
            otel.WithTracing().WithMetrics().UseOtlpExporter();
        }

        if (metricsPort > 0)
        {
            otel.WithMetrics(m => m.AddPrometheusExporter());
            services.AddHostedService(sp => new MetricsServer(metricsPort, sp.GetRequiredService<MeterProvider>()));
        }
    }
}

/// <summary>
/// Prometheus text at <c>/metrics</c> on <c>METRICS_PORT</c>: a small Kestrel server of its own on that port, apart from the
/// public one, scraping the service's one OpenTelemetry meter provider (the same instruments OTLP exports; ADR-010).
/// </summary>
internal sealed class MetricsServer(int port, MeterProvider meters) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://0.0.0.0:{port}");
        _app = builder.Build();
        _app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, predicate: null, path: "/metrics", configureBranchedPipeline: null, optionsName: null);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>Puts the current trace and span ids on every log line written inside one, so a line leads to its trace.</summary>
public sealed class TraceContextEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(propertyFactory);
        if (Activity.Current is { } activity)
        {
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("TraceId", activity.TraceId.ToHexString()));
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("SpanId", activity.SpanId.ToHexString()));
        }
    }
}
