using System.Security.Claims;
using ChatKit.Api.ErrorHandling;
using ChatKit.Api.Options;
using ChatKit.Domain.Sessions;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatKit.Api.Auth;

/// <summary>
/// Who a request is (ADR-024): tokens signed with <c>JWT_SECRET</c> (HS256) and tokens signed by an identity provider's
/// keys (<c>AUTH_AUTHORITY</c> or <c>AUTH_JWKS_URL</c>; RS/PS/ES), each checked only by the scheme its header's
/// <c>alg</c> names, so no token is ever checked with the other kind of key. Either scheme resolves the user id and the
/// plan into the service's own claims.
/// </summary>
public static class JwtSetup
{
    public const string CookieName = "auth-token";
    public const string SubjectClaim = "sub";

    /// <summary>The service's own claims, set once a token is valid (a token's own claims of these names are dropped).</summary>
    public const string UserIdClaim = "chatkit:user";

    public const string PlanClaim = "chatkit:plan";

    private const string ByAlgorithm = "ChatKit";
    private const string SecretScheme = "Secret";
    private const string ProviderScheme = "Provider";

    private static readonly string[] ProviderAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    public static void AddChatKitAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(ByAlgorithm)
            .AddPolicyScheme(ByAlgorithm, "By the token's algorithm", o => o.ForwardDefaultSelector = SchemeOf)
            .AddJwtBearer(SecretScheme)
            .AddJwtBearer(ProviderScheme);
        services.AddSingleton<IdentityProviderKeys>();
        services.AddOptions<JwtBearerOptions>(SecretScheme)
            .Configure<IOptions<JwtSettings>, IOptions<IdentitySettings>>((o, jwt, identity) =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = ValidationParameters(jwt.Value);
                o.Events = Events(SubjectClaim, identity.Value.PlanClaim);
            });
        services.AddOptions<JwtBearerOptions>(ProviderScheme)
            .Configure<IOptions<IdentitySettings>, IdentityProviderKeys>((o, identity, keys) =>
            {
                var id = identity.Value;
                o.MapInboundClaims = false;

                // The keys and the issuer come from IdentityProviderKeys (the library's configuration manager, refreshed
                // on an unknown kid before the token is checked); the handler fetches nothing itself.
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidAlgorithms = ProviderAlgorithms,
                    ValidateIssuerSigningKey = true,
                    // The signature is checked with the key its header's kid names, and that one only: a token naming one
                    // published key but signed by another is refused, not accepted because some key of the set fits.
                    IssuerSigningKeyResolver = (_, _, kid, _) => SigningKeysFor(keys.SigningKeys, kid),
                    TryAllIssuerSigningKeys = false,
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ValidateLifetime = true,
                    ClockSkew = TimeSpan.FromSeconds(id.ClockSkewSeconds),
                    ValidateIssuer = true,
                    IssuerValidator = (issuer, _, _) => keys.HasKeys
                        ? (keys.Accepts(issuer) ? issuer : throw new SecurityTokenInvalidIssuerException("The token's issuer is not accepted"))
                        : throw new SecurityTokenException(ProviderUnreachable),
                    ValidateAudience = true,
                    ValidAudience = id.Audience,

                    // A key the provider removed from its set is a revoked key: never fall back to an older configuration.
                    ValidateWithLKG = false,
                    NameClaimType = UserIdClaim,
                };
                var events = Events(id.UserClaim, id.PlanClaim);
                events.OnMessageReceived = async context =>
                {
                    await ReadToken(context).ConfigureAwait(false);
                    if (context.Token is { } token)
                    {
                        await keys.PrepareForAsync(KeyIdOf(token), context.HttpContext.RequestAborted).ConfigureAwait(false);
                    }
                };
                o.Events = events;
            });
        services.AddAuthorization();
    }

    /// <summary>The key the token's kid names; without a kid, the set's only key (a provider with one key may omit it).</summary>
    internal static IEnumerable<SecurityKey> SigningKeysFor(IEnumerable<SecurityKey> published, string? kid)
    {
        var keys = published.ToList();
        return kid is null ? keys.Count == 1 ? keys : [] : keys.Where(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal)).ToList();
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
        NameClaimType = UserIdClaim,
    };

    public static string? UserId(ClaimsPrincipal user) => user.FindFirst(UserIdClaim)?.Value;

    /// <summary>The plan the token names (null: the default plan).</summary>
    public static string? PlanName(ClaimsPrincipal user) => user.FindFirst(PlanClaim)?.Value;

    public static string CreateToken(JwtSettings jwt, string subject, TimeSpan lifetime, TimeProvider clock, string? plan = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { [SubjectClaim] = subject };
        if (plan is not null)
        {
            claims["plan"] = plan;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(jwt.KeyBytes), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>
    /// HS tokens to the secret's scheme, every other algorithm (<c>none</c> included) to the provider's; a scheme that is
    /// not configured gets nothing it could accept. The header is read without trusting it: it only picks who checks.
    /// </summary>
    private static string SchemeOf(HttpContext context)
    {
        var schemes = context.RequestServices.GetRequiredService<IdentityProviderKeys>();
        var symmetric = TokenOf(context.Request) is not { } token || (HeaderOf(token)?.Alg ?? string.Empty).StartsWith("HS", StringComparison.OrdinalIgnoreCase);
        return symmetric
            ? (schemes.SecretEnabled ? SecretScheme : ProviderScheme)
            : (schemes.Enabled ? ProviderScheme : SecretScheme);
    }

    private static string? KeyIdOf(string token) => HeaderOf(token)?.Kid;

    private static JsonWebToken? HeaderOf(string token)
    {
        var handler = new JsonWebTokenHandler();
        try
        {
            return handler.CanReadToken(token) ? handler.ReadJsonWebToken(token) : null;
        }
        catch (ArgumentException)
        {
            // Junk in a token's shape: its scheme refuses it as it would any token that does not parse.
            return null;
        }
    }

    private static JwtBearerEvents Events(string userClaim, string planClaim) => new()
    {
        OnMessageReceived = ReadToken,
        OnTokenValidated = context => Resolve(context, userClaim, planClaim),
        OnChallenge = WriteChallenge,
    };

    // The header wins (scheme matched case-insensitively); without one, the auth-token cookie. Never the query string.
    private static string? TokenOf(HttpRequest request)
    {
        string? authorization = request.Headers.Authorization;
        if (!string.IsNullOrWhiteSpace(authorization))
        {
            const string scheme = "Bearer ";
            return authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? authorization[scheme.Length..].Trim() : null;
        }

        return request.Cookies.TryGetValue(CookieName, out var cookie) && !string.IsNullOrWhiteSpace(cookie) ? cookie.Trim() : null;
    }

    private static Task ReadToken(MessageReceivedContext context)
    {
        var token = TokenOf(context.Request);
        if (token is null)
        {
            context.NoResult();
        }
        else if (!string.IsNullOrWhiteSpace(context.Request.Headers.Authorization) || CookieRequestRule.Allows(context.Request))
        {
            context.Token = token;
        }
        else
        {
            context.Fail(new SecurityTokenException(CookieRequestRule.Refusal));
        }

        return Task.CompletedTask;
    }

    /// <summary>The user id from the scheme's user claim (refused when unusable) and the plan, as the service's own claims.</summary>
    private static Task Resolve(TokenValidatedContext context, string userClaim, string planClaim)
    {
        // RFC 7515 §4.1.11: a token whose header lists critical extensions must be refused unless they are all understood;
        // this service understands none.
        if (context.SecurityToken is JsonWebToken token && token.TryGetHeaderValue<object>("crit", out _))
        {
            context.Fail(new SecurityTokenException(CriticalExtensions));
            return Task.CompletedTask;
        }

        var principal = context.Principal!;
        var user = principal.FindFirst(userClaim)?.Value;
        if (!SessionRules.IsUsableUserId(user))
        {
            context.Fail(new SecurityTokenException($"The token's {userClaim} claim{UnusableUser}"));
            return Task.CompletedTask;
        }

        var identity = new ClaimsIdentity(
            principal.Claims.Where(c => c.Type is not (UserIdClaim or PlanClaim)), context.Scheme.Name, UserIdClaim, null);
        identity.AddClaim(new Claim(UserIdClaim, user!));
        if (principal.FindFirst(planClaim)?.Value is { Length: > 0 } plan)
        {
            identity.AddClaim(new Claim(PlanClaim, plan));
        }

        context.Principal = new ClaimsPrincipal(identity);
        return Task.CompletedTask;
    }

    private const string UnusableUser = " is not a usable user id";

    private const string ProviderUnreachable = "The identity provider cannot be reached to check the token";

    private const string CriticalExtensions = "The token lists critical header extensions this service does not understand.";

    /// <summary>
    /// 401 in the envelope, with RFC 6750's <c>error</c> and <c>error_description</c> when a token was sent, so a client can
    /// tell an expired token (sign in again) from one that is not valid (a bug); the code stays <c>UNAUTHORIZED</c>.
    /// </summary>
    private static async Task WriteChallenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        // A provider's token says more (its keys rotate, its claims come from elsewhere); a JWT_SECRET token that fails is
        // simply not valid, as it always was.
        var provider = context.Scheme.Name == ProviderScheme;
        var description = context.AuthenticateFailure switch
        {
            null => null,
            SecurityTokenExpiredException => "The token has expired",
            SecurityTokenNotYetValidException when provider => "The token is not valid yet",
            SecurityTokenInvalidAudienceException when provider => "The token is meant for another audience",
            SecurityTokenInvalidIssuerException when provider => "The token's issuer is not accepted",
            SecurityTokenSignatureKeyNotFoundException when provider => "The token's signing key is not known",
            SecurityTokenInvalidAlgorithmException when provider => "The token's signing algorithm is not accepted",
            SecurityTokenException { Message: CriticalExtensions } => CriticalExtensions,
            SecurityTokenException { Message: ProviderUnreachable } => ProviderUnreachable,
            SecurityTokenException { Message: var unusable } when unusable.EndsWith(UnusableUser, StringComparison.Ordinal) => unusable,
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
