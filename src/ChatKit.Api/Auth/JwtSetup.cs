using System.Security.Claims;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Options;
using ChatKit.Domain.Sessions;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.Api.Auth;

public static class JwtSetup
{
    public const string CookieName = "auth-token";
    public const string SubjectClaim = "sub";

    public static void AddChatKitAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtSettings>>((o, jwt) =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = ValidationParameters(jwt.Value);
                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ReadToken,
                    OnTokenValidated = RequireSubject,
                    OnChallenge = WriteChallenge,
                };
            });
        services.AddAuthorization();
    }

    public static TokenValidationParameters ValidationParameters(JwtSettings jwt) => new()
    {
        IssuerSigningKey = new SymmetricSecurityKey(jwt.KeyBytes),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuerSigningKey = true,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        ValidateIssuer = jwt.Issuer is not null,
        ValidIssuer = jwt.Issuer,
        ValidateAudience = jwt.Audience is not null,
        ValidAudience = jwt.Audience,
        NameClaimType = SubjectClaim,
    };

    public static string? UserId(ClaimsPrincipal user) => user.FindFirst(SubjectClaim)?.Value;

    public static string CreateToken(JwtSettings jwt, string subject, TimeSpan lifetime, TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { [SubjectClaim] = subject },
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(jwt.KeyBytes), SecurityAlgorithms.HmacSha256),
        });
    }

    // The header wins (scheme matched case-insensitively); without one, the auth-token cookie. Never the query string.
    private static Task ReadToken(MessageReceivedContext context)
    {
        string? authorization = context.Request.Headers.Authorization;
        if (!string.IsNullOrWhiteSpace(authorization))
        {
            const string scheme = "Bearer ";
            context.Token = authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
                ? authorization[scheme.Length..].Trim()
                : null;
            if (context.Token is null)
            {
                context.NoResult();
            }
        }
        else if (context.Request.Cookies.TryGetValue(CookieName, out var cookie) && !string.IsNullOrWhiteSpace(cookie))
        {
            if (CookieRequestRule.Allows(context.Request))
            {
                context.Token = cookie.Trim();
            }
            else
            {
                context.Fail(new SecurityTokenException(CookieRequestRule.Refusal));
            }
        }
        else
        {
            context.NoResult();
        }

        return Task.CompletedTask;
    }

    private static Task RequireSubject(TokenValidatedContext context)
    {
        // RFC 7515 §4.1.11: a token whose header lists critical extensions must be refused unless they are all understood;
        // this service understands none.
        if (context.SecurityToken is JsonWebToken token && token.TryGetHeaderValue<object>("crit", out _))
        {
            context.Fail(new SecurityTokenException(CriticalExtensions));
            return Task.CompletedTask;
        }

        var sub = context.Principal is null ? null : UserId(context.Principal);
        if (!SessionRules.IsUsableUserId(sub))
        {
            context.Fail(new SecurityTokenException(UnusableSubject));
        }

        return Task.CompletedTask;
    }

    private const string UnusableSubject = "The token's sub claim is not a usable user id";

    private const string CriticalExtensions = "The token lists critical header extensions this service does not understand.";

    /// <summary>
    /// 401 in the envelope, with RFC 6750's <c>error</c> and <c>error_description</c> when a token was sent, so a client can
    /// tell an expired token (sign in again) from one that is not valid (a bug); the code stays <c>UNAUTHORIZED</c>.
    /// </summary>
    private static async Task WriteChallenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var description = context.AuthenticateFailure switch
        {
            null => null,
            SecurityTokenExpiredException => "The token has expired",
            SecurityTokenException { Message: CriticalExtensions } => CriticalExtensions,
            SecurityTokenException { Message: UnusableSubject } => UnusableSubject,
            SecurityTokenException { Message: CookieRequestRule.Refusal } => CookieRequestRule.Refusal,
            _ => "The token is not valid",
        };
        var error = description == CookieRequestRule.Refusal ? "invalid_request" : "invalid_token";
        context.Response.Headers.WWWAuthenticate = description is null
            ? "Bearer"
            : $"Bearer error=\"{error}\", error_description=\"{description}\"";
        await ApiErrors.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, message: description is null ? null : description + ".")
            .ConfigureAwait(false);
    }
}
