using System.Net;
using System.Threading.RateLimiting;
using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Application.Plans;
using ChatKit.Infrastructure.Options;
using ChatKit.Infrastructure.RateLimiting;
using ChatKit.Infrastructure;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatKit.Api.Hosting;

/// <summary>Rate limits, CORS, trusted proxies and request hygiene: what faces the internet.</summary>
public static class EdgeProtection
{
    public static readonly string[] CorsMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    public static readonly string[] CorsHeaders = ["Content-Type", "Authorization", "Accept", "Origin", "Last-Event-ID", "Idempotency-Key"];

    /// <summary>What a browser's script may read of a response: the run id to resume or cancel, and the rate limit's answers.</summary>
    public static readonly string[] ExposedHeaders = ["X-Run-Id", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "RateLimit", "RateLimit-Policy"];

    public static void AddChatKitEdge(this IServiceCollection services)
    {
        Settings.Bind<RateLimitOptions>(services);
        services.AddSingleton<SharedWindowLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<SharedWindowLimiter, PlanCatalog>((o, limiter, plans) =>
        {
            if (limiter.PermitLimit > 0 || plans.All.Any(p => p.RequestsPerMinute > 0))
            {
                o.GlobalLimiter = limiter.WithTranslatedKey<HttpContext>(http => new RateLimitKey(ClientKey(http), PermitsOf(http, limiter)), leaveOpen: true);
            }

            o.OnRejected = (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                http.Response.Headers["X-RateLimit-Limit"] = PermitsOf(http, limiter).ToString(System.Globalization.CultureInfo.InvariantCulture);
                http.Response.Headers["X-RateLimit-Remaining"] = "0";
                return new ValueTask(ApiErrors.WriteAsync(http, StatusCodes.Status429TooManyRequests));
            };
        });

        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IConfiguration>((o, c) =>
        {
            var origins = Settings.List(c, "CORS_ORIGINS").Select(origin => origin.TrimEnd('/')).ToArray();
            o.AddDefaultPolicy(p => p.WithOrigins(origins).WithMethods(CorsMethods).WithHeaders(CorsHeaders).WithExposedHeaders(ExposedHeaders)
                .AllowCredentials());
        });

        services.AddOptions<ForwardedHeadersOptions>().Configure<IConfiguration>((o, c) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = null;
            // Nothing is trusted by default, not even loopback (the framework's default), so nobody can pick their IP.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list still holds the loopback default and is still consulted.
            o.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var entry in Settings.List(c, "TRUSTED_PROXIES"))
            {
                if (entry.Contains('/', StringComparison.Ordinal))
                {
                    o.KnownIPNetworks.Add(ConfigurationValue.Parse("TRUSTED_PROXIES", entry, System.Net.IPNetwork.Parse));
                }
                else
                {
                    o.KnownProxies.Add(ConfigurationValue.Parse("TRUSTED_PROXIES", entry, IPAddress.Parse));
                }
            }
        });
    }

    /// <summary>
    /// The rate limit's numbers on every limited response, as the IETF draft (draft-ietf-httpapi-ratelimit-headers) spells
    /// them: <c>RateLimit-Policy: "plan";q=30;w=60</c> (the caller's plan, its quota, the window in seconds) and
    /// <c>RateLimit: "plan";r=29;t=42</c> (what is left, seconds until the window starts again), so a frontend can show
    /// "29 requests left" before it meets a 429.
    /// </summary>
    public static void UseRateLimitHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var limiter = http.RequestServices.GetRequiredService<SharedWindowLimiter>();
        var permits = PermitsOf(http, limiter);
        if (permits > 0 && http.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is null)
        {
            var plan = JwtSetup.UserId(http.User) is not null ? CurrentPlan.Get()?.Name ?? Plan.DefaultName : "anonymous";
            var key = new RateLimitKey(ClientKey(http), permits);
            http.Response.OnStarting(() =>
            {
                var quota = limiter.Quota(key);
                var window = (int)limiter.Window.TotalSeconds;
                var invariant = System.Globalization.CultureInfo.InvariantCulture;
                http.Response.Headers["RateLimit-Policy"] = string.Create(invariant, $"\"{plan}\";q={permits};w={window}");
                http.Response.Headers["RateLimit"] = string.Create(invariant, $"\"{plan}\";r={quota.Remaining};t={Math.Max(1, (int)Math.Ceiling(quota.ResetsIn.TotalSeconds))}");
                return Task.CompletedTask;
            });
        }

        return next(http);
    });

    /// <summary>Requests a minute for the request's plan (set by <see cref="Plans.PlanFromToken"/>), else the global setting.</summary>
    public static int PermitsOf(HttpContext context, SharedWindowLimiter limiter) =>
        JwtSetup.UserId(context.User) is not null && CurrentPlan.Get()?.RequestsPerMinute is { } plan ? plan : limiter.PermitLimit;

    /// <summary>Who a request counts against: the JWT subject, or else the client address (after trusted proxies).</summary>
    public static string ClientKey(HttpContext context) =>
        JwtSetup.UserId(context.User) is { } sub
            ? "user:" + sub
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
