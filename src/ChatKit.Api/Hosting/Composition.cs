using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Playground;
using ChatKit.Application;
using ChatKit.Application.Behaviors;
using ChatKit.Application.Sessions.CreateSession;
using ChatKit.Infrastructure;
using ChatKit.Infrastructure.Persistence;
using Mediator;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Hosting;

/// <summary>The composition root: what the host registers, and the order of the request pipeline.</summary>
public static class Composition
{
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static void AddChatKit(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        if (string.IsNullOrWhiteSpace(configuration["ASPNETCORE_URLS"]) && string.IsNullOrWhiteSpace(configuration["URLS"]))
        {
            // Loopback unless told otherwise (HOST=0.0.0.0 in a container): a development server with the development
            // JWT secret must not be reachable from the network it happens to sit on.
            var port = Settings.Int(configuration, "PORT", 8000, 1, 65535);
            var host = Settings.NullIfBlank(configuration["HOST"]) ?? "127.0.0.1";
            builder.WebHost.UseUrls($"http://{host}:{port}");
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });

        services.AddChatKitSettings(builder.Environment);
        services.AddChatKitLogging(configuration, builder.Environment);
        services.AddChatKitTelemetry(configuration);
        services.AddApplication();
        services.AddInfrastructure();
        services.AddMediator((MediatorOptions o) =>
        {
            o.ServiceLifetime = ServiceLifetime.Singleton; // the tools (singletons) send task commands too
            o.Assemblies = [typeof(CreateSessionCommand)];
            o.PipelineBehaviors = [typeof(ValidationBehavior<,>)];
        });
        services.AddHostedService<StartupMigration>();
        services.AddHostedService<ModelNotice>();
        services.AddHostedService<RunShutdown>();
        services.AddHostedService<RunRecoveryService>();
        services.AddSingleton<DatabaseOutage>();
        services.AddSingleton<Streaming.RunStreams>();
        services.AddChatKitAuthentication();
        services.AddHealthChecks().AddCheck<Auth.IdentityProviderHealthCheck>("identity_provider", tags: [DatabaseHealthCheck.ReadyTag]);
        if (ApiDocsEnabled(configuration))
        {
            services.AddOpenApi(o =>
            {
                o.AddDocumentTransformer<OpenApi.DocumentTransformer>();
                o.AddOperationTransformer<OpenApi.EnvelopeOperationTransformer>();
            });

            // The description's schemas follow the API's own JSON names (snake_case).
            services.ConfigureHttpJsonOptions(o => JsonDefaults.Configure(o.SerializerOptions));
        }

        if (McpEnabled(configuration))
        {
            // The agent's own tools, one definition each, served over MCP (Streamable HTTP) for the JWT's user.
            services.AddMcpServer().WithHttpTransport(o => o.Stateless = true);
            services.AddOptions<ModelContextProtocol.Server.McpServerOptions>()
                .Configure<Application.Tools.Toolbox, IEnumerable<Application.Tools.IAgentTool>>((o, toolbox, tools) =>
                {
                    o.ToolCollection ??= [];
                    foreach (var tool in tools)
                    {
                        o.ToolCollection.Add(new Mcp.AgentMcpTool(tool, toolbox));
                    }
                });
        }

        services.AddChatKitEdge();
        services.AddControllers()
            .AddJsonOptions(o => JsonDefaults.Configure(o.JsonSerializerOptions))
            .ConfigureApiBehaviorOptions(o =>
            {
                o.SuppressMapClientErrors = true;
                o.InvalidModelStateResponseFactory = ExceptionMapping.InvalidModelState;
            });
    }

    public static void UseChatKit(this WebApplication app)
    {
        app.UseChatKitRequestLogging();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = ExceptionMapping.HandleAsync,

            // An unreachable database is an outage, not a bug: one warning when it starts and ends (DatabaseOutage) and the
            // request's own line, not a stack trace per request. A client's 413 or slow body is the request's line alone.
            SuppressDiagnosticsCallback = c => ExceptionMapping.IsNotACrash(c.Exception),
        });
        app.UseStatusCodePages(ExceptionMapping.WriteBareStatusAsync);
        // With no trusted proxy configured the middleware would trust every sender's X-Forwarded-For; so only
        // when TRUSTED_PROXIES names some does it run at all.
        var forwarding = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        if (forwarding.KnownProxies.Count + forwarding.KnownIPNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.UseRouting();
        app.UseCors();
        app.UseAuthentication();
        app.UseMiddleware<Plans.PlanFromToken>();
        app.UseRequestFacts();
        app.UseMiddleware<RequestHygiene>();
        app.UseRateLimitHeaders();
        app.UseRateLimiter();
        app.UseAuthorization();
        if (McpEnabled(app.Configuration))
        {
            app.UseMiddleware<Mcp.McpRequestGuard>();
        }

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth })
            .DisableRateLimiting();
        foreach (var path in new[] { "/health/ready", "/health" })
        {
            app.MapHealthChecks(path, new HealthCheckOptions
            {
                Predicate = c => c.Tags.Contains(DatabaseHealthCheck.ReadyTag),
                ResponseWriter = WriteHealth,
                ResultStatusCodes = { [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable },
            }).DisableRateLimiting();
        }

        app.MapControllers();
        if (ApiDocsEnabled(app.Configuration))
        {
            // The description and its interactive reference, without a token and outside the rate limit.
            app.MapOpenApi().DisableRateLimiting();
            // Everything it needs comes from this service: no web fonts from Scalar's servers, no telemetry.
            Scalar.AspNetCore.ScalarEndpointRouteBuilderExtensions.MapScalarApiReference(app, "/docs", o =>
                {
                    o.Title = "ChatKit API reference";
                    o.DefaultFonts = false;
                    o.Telemetry = false;
                })
                .DisableRateLimiting();
        }

        if (McpEnabled(app.Configuration))
        {
            app.MapMcp("/mcp").RequireAuthorization();
        }

        if (PlaygroundPage.Enabled(app.Configuration, app.Environment))
        {
            app.MapPlayground();
        }

        if (app.Environment.IsDevelopment())
        {
            app.MapDevelopmentTokens();
        }
    }

    /// <summary><c>API_DOCS_ENABLED</c> (default true): the OpenAPI document at <c>/openapi/v1.json</c> and Scalar at <c>/docs</c>.</summary>
    private static bool ApiDocsEnabled(IConfiguration configuration) => Settings.Flag(configuration, "API_DOCS_ENABLED", true);

    /// <summary><c>MCP_ENABLED</c> (default true): the MCP server at <c>/mcp</c>.</summary>
    private static bool McpEnabled(IConfiguration configuration) => Settings.Flag(configuration, "MCP_ENABLED", true);

    private static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        object body = report.Status == HealthStatus.Healthy
            ? new { status = "healthy" }
            : new
            {
                status = StatusName(report.Status),
                checks = report.Entries.ToDictionary(e => e.Key, e => StatusName(e.Value.Status)),
            };
        return context.Response.WriteAsJsonAsync(body, JsonDefaults.Api, context.RequestAborted);
    }
}
