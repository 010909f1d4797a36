using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using static ChatKit.Api.OpenApi.SchemaBuilder;

namespace ChatKit.Api.OpenApi;

/// <summary>The document's own parts: title, the bearer scheme, and the health endpoints (health checks are not actions).</summary>
internal sealed class DocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "ChatKit API",
            Version = "v1",
            Description = "Streamed conversations with an assistant that manages your tasks. Every JSON answer is an envelope: " +
                "`{\"success\": true, \"data\", \"meta\"?}` or `{\"success\": false, \"error\": {\"code\", \"message\", \"details\"?, \"trace_id\"?}}`. " +
                "Runs stream as Server-Sent Events of ChatKit thread-stream events (see the `ThreadStreamEvent` schema).",
        };
        document.AddComponent(BearerScheme.Id, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An HS256 JWT with `sub` (the user) and `exp`. Without the header, the `auth-token` cookie is read.",
        });

        // Relative to wherever the document is served from (a proxy may change the host and scheme).
        document.Servers = [new OpenApiServer { Url = "/", Description = "This service" }];
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = "Sessions", Description = "Chat sessions, their messages, and runs: send a message, resume a run, cancel it" },
            new() { Name = "Tasks", Description = "The user's tasks, which the assistant manages through its tools" },
            new() { Name = "Usage", Description = "Tokens and cost per day, and the daily budget" },
            new() { Name = "ChatKit protocol", Description = "The native ChatKit wire protocol, for OpenAI's ChatKit widget" },
            new() { Name = "Health", Description = "Probes for load balancers and Kubernetes; no token, no rate limit" },
            new() { Name = "Development", Description = "Only in the Development environment: the playground's token button" },
        };
        // The native endpoint binds its body as a JsonElement, which EnvelopeOperationTransformer describes as a ChatKitRequest;
        // what is left of JsonElement is an @-mention's data, which the client shapes as it likes.
        if (document.Components?.Schemas is { } schemas && schemas.ContainsKey(nameof(System.Text.Json.JsonElement)))
        {
            schemas[nameof(System.Text.Json.JsonElement)] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "An @-mention's data: the JSON object the client attached to the tag, kept as sent.",
            };
        }

        document.Paths ??= [];
        var healthy = Object(Required("status", Const("healthy")));
        var unhealthy = Object(Required("status", Const("unhealthy")), Optional("checks", AnyObject("Each check: healthy or unhealthy")));
        document.Paths["/health/live"] = Health(document, "health.live", "The process is up (no dependency is checked)", healthy, null);
        foreach (var (path, id) in new[] { ("/health/ready", "health.ready"), ("/health", "health") })
        {
            document.Paths[path] = Health(document, id, "The database answers; 503 while it does not", healthy, unhealthy);
        }

        return Task.CompletedTask;
    }

    private static OpenApiPathItem Health(OpenApiDocument document, string id, string summary, IOpenApiSchema healthy, IOpenApiSchema? unhealthy)
    {
        var responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse { Description = "Healthy", Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = healthy } } },
        };
        if (unhealthy is not null)
        {
            responses["503"] = new OpenApiResponse
            {
                Description = "Unhealthy",
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = unhealthy } },
            };
        }

        return new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = id,
                    Summary = summary,
                    Tags = new HashSet<OpenApiTagReference> { new("Health") },
                    Responses = responses,
                    Security = [BearerScheme.Requirement(document, required: false)],
                },
            },
        };
    }
}
