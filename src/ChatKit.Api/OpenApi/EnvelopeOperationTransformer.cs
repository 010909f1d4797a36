using ChatKit.Api.ErrorHandling;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using static ChatKit.Api.OpenApi.SchemaBuilder;

namespace ChatKit.Api.OpenApi;

/// <summary>
/// Describes each operation as it answers: success bodies inside <c>{"success": true, "data", "meta"?}</c> (or the event
/// stream), every error status with the envelope and the codes it can carry, the bearer requirement, JSON-only bodies.
/// </summary>
internal sealed class EnvelopeOperationTransformer : IOpenApiOperationTransformer
{
    private const string Json = "application/json";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("The OpenAPI document is not available to operation transformers.");
        var action = context.Description.ActionDescriptor;
        var metadata = action.EndpointMetadata;
        var authenticated = metadata.OfType<IAuthorizeData>().Any();

        // An endpoint of an authorised controller that also allows anonymous calls takes a signed link instead of a token.
        var signedLink = authenticated && metadata.OfType<IAllowAnonymous>().Any();
        var authorized = authenticated && !signedLink;
        if (action is ControllerActionDescriptor controller)
        {
            operation.OperationId ??= $"{controller.ControllerName}.{controller.ActionName}".ToLowerInvariant();
        }

        if (operation.RequestBody?.Content is { } requestContent)
        {
            // RequestHygiene answers 415 to anything but JSON (a file upload aside), so only JSON is offered.
            foreach (var type in requestContent.Keys.Where(k => k != Json).ToList())
            {
                requestContent.Remove(type);
            }
        }

        if (metadata.OfType<Controllers.FileUploadAttribute>().Any())
        {
            // The file is streamed by the action itself, so nothing declares it: a form with "file", or (to a signed link) the raw bytes.
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["multipart/form-data"] = new() { Schema = Object(Required("file", String("The file; its part's Content-Type is its type", format: "binary"))) },
                    ["application/octet-stream"] = new() { Schema = String("The raw bytes (to an upload link only)", format: "binary") },
                },
            };
        }

        if (metadata.OfType<Idempotency.IdempotentAttribute>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = Idempotency.IdempotencyFilter.Header,
                In = ParameterLocation.Header,
                Required = false,
                Description = "1–200 printable ASCII characters. The same key from the same user never makes a second message, run or task: "
                    + "a repeat attaches to the first request's run, or gets its answer again (IDEMPOTENCY_TTL_HOURS).",
                Schema = String(),
            });
        }

        DescribeSuccess(operation, document, metadata.OfType<EventStreamAttribute>().FirstOrDefault());
        DescribeErrors(operation, document, Errors(metadata, authenticated, operation.RequestBody is not null));
        operation.Security = signedLink
            ? [BearerScheme.Requirement(document, required: true), BearerScheme.Requirement(document, required: false)]
            : [BearerScheme.Requirement(document, authorized)];

        return Task.CompletedTask;
    }

    private static void DescribeSuccess(OpenApiOperation operation, OpenApiDocument document, EventStreamAttribute? stream)
    {
        operation.Responses ??= [];
        if (!operation.Responses.TryGetValue("200", out var found) || found is not OpenApiResponse ok)
        {
            ok = new OpenApiResponse { Description = "OK" };
            operation.Responses["200"] = ok;
        }

        var data = ok.Content?.TryGetValue(Json, out var media) == true ? media.Schema : null;
        ok.Content = new Dictionary<string, OpenApiMediaType>();
        if (stream is null)
        {
            ok.Content[Json] = new OpenApiMediaType
            {
                Schema = Object(
                    Required("success", Const(true)),
                    Required("data", data ?? AnyObject()),
                    Optional("meta", ComponentSchemas.Ref(document, ComponentSchemas.ListMeta))),
            };
            return;
        }

        ok.Description = "The run as Server-Sent Events; the header X-Run-Id names the run (resume and cancel use it).";
        ok.Content["text/event-stream"] = new OpenApiMediaType { Schema = Array(ComponentSchemas.Ref(document, ComponentSchemas.StreamEvent)) };
        ok.Headers = new Dictionary<string, IOpenApiHeader>
        {
            ["X-Run-Id"] = new OpenApiHeader { Description = "The run's id", Schema = String(format: "uuid") },
        };
        if (stream.ChatKitProtocol)
        {
            if (operation.RequestBody is OpenApiRequestBody body)
            {
                body.Content = new Dictionary<string, OpenApiMediaType> { [Json] = new() { Schema = ComponentSchemas.Ref(document, ComponentSchemas.ChatKitRequest) } };
            }

            ok.Content[Json] = new OpenApiMediaType
            {
                Schema = AnyObject("For the non-streaming request types: the bare ChatKit object (a Thread, a Page of threads or items, or {})."),
            };
        }
    }

    /// <summary>The action's own errors, and those every endpoint can answer.</summary>
    private static SortedDictionary<int, SortedSet<string>> Errors(IList<object> metadata, bool authorized, bool hasBody)
    {
        var errors = new SortedDictionary<int, SortedSet<string>>();
        void Add(int status, params IEnumerable<string> codes)
        {
            if (!errors.TryGetValue(status, out var set))
            {
                errors[status] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(codes);
        }

        foreach (var error in metadata.OfType<ErrorResponseAttribute>())
        {
            Add(error.Status, error.Codes);
        }

        if (metadata.OfType<Idempotency.IdempotentAttribute>().Any())
        {
            Add(422, Application.Common.Errors.IdempotencyKeyReusedCode);
            Add(409, Application.Common.Errors.IdempotencyKeyInUseCode);
        }

        if (authorized)
        {
            Add(401, ApiErrors.Unauthorized);
        }

        if (hasBody)
        {
            Add(400, Application.Common.Errors.ValidationCode);
            Add(413, ApiErrors.Describe(413).Code);
            Add(415, ApiErrors.Describe(415).Code);
        }

        Add(429, ApiErrors.Describe(429).Code);
        Add(500, ApiErrors.Describe(500).Code);
        Add(503, ApiErrors.Describe(503).Code);
        return errors;
    }

    private static void DescribeErrors(OpenApiOperation operation, OpenApiDocument document, SortedDictionary<int, SortedSet<string>> errors)
    {
        foreach (var (status, codes) in errors)
        {
            var response = new OpenApiResponse
            {
                Description = string.Join(", ", codes),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [Json] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            AllOf =
                            [
                                ComponentSchemas.Ref(document, ComponentSchemas.ErrorEnvelope),
                                Object(Required("error", Object(Required("code", Enum([.. codes]))))),
                            ],
                        },
                    },
                },
            };
            if (status is 429 or 503)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before asking again", Schema = Integer() },
                };
            }
            else if (status == 401)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["WWW-Authenticate"] = new OpenApiHeader { Description = "Bearer, with error_description saying why (expired, not valid)", Schema = String() },
                };
            }

            operation.Responses![status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }
    }
}
