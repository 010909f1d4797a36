using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatKit.Api.Auth;

/// <summary>
/// The auth-token cookie rides along with any request a browser sends, a foreign page's too. A foreign page can send a
/// "simple" POST (no preflight) with a form's content type or none, and no JSON; it cannot send
/// <c>Content-Type: application/json</c> or an <c>Origin</c> other than its own without CORS asking this service first.
/// So a cookie authenticates a request that changes something only when it sends JSON or comes from this service's own
/// origin or one of <c>CORS_ORIGINS</c>. The bearer header, which no foreign page can add, is not affected.
/// </summary>
public static class CookieRequestRule
{
    public const string Refusal =
        "A request authenticated by the auth-token cookie that changes something must send Content-Type: application/json or come from an allowed Origin";

    public static bool Allows(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            return true;
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var media)
            && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
        {
            return false;
        }

        if (string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var cors = request.HttpContext.RequestServices.GetRequiredService<IOptions<CorsOptions>>().Value;
        return cors.GetPolicy(cors.DefaultPolicyName)?.IsOriginAllowed(origin) == true;
    }
}
