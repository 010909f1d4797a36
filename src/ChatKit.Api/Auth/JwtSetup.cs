using System.Security.Claims;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Hosting;
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
            context.Token = cookie.Trim();
        }
        else
        {
            context.NoResult();
        }

        return Task.CompletedTask;
    }

    private static Task RequireSubject(TokenValidatedContext context)
    {
        var sub = context.Principal is null ? null : UserId(context.Principal);
        if (string.IsNullOrWhiteSpace(sub) || sub.Length > SessionRules.MaxUserIdLength)
        {
            context.Fail("The token has no usable sub claim.");
        }

        return Task.CompletedTask;
    }

    private static async Task WriteChallenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await ApiErrors.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized).ConfigureAwait(false);
    }
}
