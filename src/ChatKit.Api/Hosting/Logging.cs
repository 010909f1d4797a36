using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace ChatKit.Api.Hosting;

public static class Logging
{
    /// <summary>
    /// Serilog: readable text in Development, compact JSON elsewhere; <c>LOG_FORMAT=json|text</c> overrides,
    /// <c>LOG_LEVEL</c> sets the minimum level.
    /// </summary>
    public static void AddChatKitLogging(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var format = Settings.NullIfBlank(configuration["LOG_FORMAT"])?.ToLowerInvariant();
        var json = format switch
        {
            "json" => true,
            "text" => false,
            null => !environment.IsDevelopment(),
            _ => throw new InvalidOperationException("LOG_FORMAT must be json or text."),
        };
        var level = Enum.TryParse<LogEventLevel>(configuration["LOG_LEVEL"], ignoreCase: true, out var parsed)
            ? parsed
            : LogEventLevel.Information;
        services.AddSerilog((sp, lc) =>
        {
            // Sinks registered in the container (the tests register one to read what is logged) join the console.
            lc.ReadFrom.Services(sp);
            lc.MinimumLevel.Is(level)
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)

                // The framework creates a data-protection key ring at start, but nothing here protects data with it (tokens
                // are HS256 JWTs, MCP is stateless): its warnings about keys it cannot persist (any read-only container) say nothing.
                .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", LogEventLevel.Error)
                .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Enrich.With<TraceContextEnricher>()
                .Enrich.WithProperty("Application", "ChatKit");
            // Through a background queue: a slow stdout (a busy pipe, a stalled log shipper) must never block
            // the threads that serve requests.
            lc.WriteTo.Async(sink =>
            {
                if (json)
                {
                    sink.Console(new RenderedCompactJsonFormatter());
                }
                else
                {
                    sink.Console(
                        outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj} {TraceId}{NewLine}{Exception}",
                        formatProvider: System.Globalization.CultureInfo.InvariantCulture);
                }
            });
        });
    }

    private const string RouteKey = "chatkit.route";
    private const string UserKey = "chatkit.user";

    /// <summary>One line per request: method, route template (never the raw query), status, elapsed, trace id, user id.</summary>
    public static void UseChatKitRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(o =>
        {
            o.MessageTemplate = "HTTP {RequestMethod} {RouteTemplate} responded {StatusCode} in {Elapsed:0.0} ms (trace {TraceId}, user {UserId})";

            // A 503 is an outage or a paused service, said once elsewhere; a 5xx of our own is a bug.
            o.GetLevel = (http, _, ex) => http.Response.StatusCode switch
            {
                StatusCodes.Status503ServiceUnavailable => LogEventLevel.Warning,
                >= 500 => LogEventLevel.Error,
                _ when ex is not null => LogEventLevel.Error,
                _ => LogEventLevel.Information,
            };
            o.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                // The exception handler clears the endpoint before it answers; the facts captured earlier still hold.
                diagnostics.Set("RouteTemplate", (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Items[RouteKey] as string ?? "(no route)");
                diagnostics.Set("TraceId", ApiErrors.TraceIdOf(http));
                diagnostics.Set("UserId", JwtSetup.UserId(http.User) ?? http.Items[UserKey] as string);
            };
            o.EnrichDiagnosticContext += (_, http) => http.RequestServices.GetRequiredService<DatabaseOutage>()
                .Answered(http.Items[RouteKey] as string, http.Response.StatusCode);
        });

    /// <summary>Notes the route and user as soon as they are known, for the request's log line whatever happens next.</summary>
    public static void UseRequestFacts(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            http.Items[RouteKey] = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            http.Items[UserKey] = JwtSetup.UserId(http.User);
            return next(http);
        });
}
