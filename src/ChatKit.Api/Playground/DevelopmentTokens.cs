using ChatKit.Api.Auth;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Hosting;
using ChatKit.Api.Options;
using ChatKit.Application.Common;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Playground;

/// <summary>
/// <c>POST /api/v1/dev/token?sub=…</c>, mapped in Development only: a token for any user, signed with the configured
/// secret, so the playground's button (and a developer's curl) can start without the CLI. It does not exist elsewhere.
/// </summary>
public static class DevelopmentTokens
{
    public const string DefaultSubject = "developer";

    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public static void MapDevelopmentTokens(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/v1/dev/token", Issue).WithName("dev.token").WithTags("Development")
            .WithSummary("A development token for ?sub= (Development only; absent elsewhere)");

    private static Task Issue(HttpContext context, string? sub, IOptions<JwtSettings> jwt, TimeProvider clock)
    {
        var subject = string.IsNullOrWhiteSpace(sub) ? DefaultSubject : sub.Trim();
        if (subject.Length > 128)
        {
            var error = Errors.Invalid("sub", "sub must be at most 128 characters");
            return ApiErrors.WriteAsync(context, ApiErrors.StatusOf(error.Kind), error.Code, error.Message, error.Details);
        }

        var expires = clock.GetUtcNow() + Lifetime;
        var token = JwtSetup.CreateToken(jwt.Value, subject, Lifetime, clock);
        return context.Response.WriteAsJsonAsync(
            new SuccessEnvelope(new { token, sub = subject, expires_at = expires.UtcDateTime }, null), JsonDefaults.Api, context.RequestAborted);
    }
}
