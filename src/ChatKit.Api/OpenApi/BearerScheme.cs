using Microsoft.OpenApi;

namespace ChatKit.Api.OpenApi;

internal static class BearerScheme
{
    public const string Id = "bearer";

    /// <summary>The bearer token, or (an empty requirement) none: health checks and the Development token endpoint.</summary>
    public static OpenApiSecurityRequirement Requirement(OpenApiDocument document, bool required) =>
        required ? new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Id, document)] = [] } : [];
}
