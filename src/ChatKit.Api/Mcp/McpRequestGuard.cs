using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Application.Tools;

namespace ChatKit.Api.Mcp;

/// <summary>
/// Answers, before the MCP SDK reads a request, what it would answer badly: a body that is not JSON is JSON-RPC's
/// <c>-32700 Parse error</c> (the SDK said <c>-32600</c> with System.Text.Json's internals), <c>tools/call</c> arguments
/// that are not an object and an unknown tool are <c>-32602 Invalid params</c> (it said <c>-32603</c>, and logged the unknown
/// tool as an error with its stack), and arguments holding a string that cannot
/// be stored (an escaped unpaired surrogate, which the SDK cannot even read) are the tool's own <c>isError</c> result
/// naming the field, as the agent's tools answer it. Everything else passes through untouched.
/// </summary>
public sealed class McpRequestGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.StartsWithSegments("/mcp", StringComparison.Ordinal))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        // Bodies are bounded (64 KiB) before this runs, so buffering one is cheap.
        request.EnableBuffering();
        JsonDocument message;
        try
        {
            message = await JsonDocument.ParseAsync(request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, null, Error(-32700, "Parse error: the body is not valid JSON")).ConfigureAwait(false);
            return;
        }

        using (message)
        {
            request.Body.Position = 0;
            var root = message.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String && method.ValueEquals("tools/call")
                && root.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && Refusal(parameters, context.RequestServices.GetRequiredService<Toolbox>()) is { } refusal)
            {
                var id = root.TryGetProperty("id", out var rawId) ? JsonNode.Parse(rawId.GetRawText()) : null;
                await WriteAsync(context, StatusCodes.Status200OK, id, refusal).ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }

    /// <summary>The answer to a <c>tools/call</c> the SDK would answer badly, or null to let it through.</summary>
    private static JsonObject? Refusal(JsonElement parameters, Toolbox toolbox)
    {
        // An unknown tool is the caller's mistake: -32602 here, not an exception and an error log in the SDK.
        if (!parameters.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || !toolbox.Definitions.Any(d => name.ValueEquals(d.Name)))
        {
            return Error(-32602, name.ValueKind == JsonValueKind.String ? $"Unknown tool: {name.GetString()}" : "Invalid params: name is required");
        }

        if (!parameters.TryGetProperty("arguments", out var arguments) || arguments.ValueKind is JsonValueKind.Null or JsonValueKind.Object)
        {
            // Read from the request's own document: the SDK's typed arguments cannot even hold the strings this looks for.
            return arguments.ValueKind == JsonValueKind.Object && ToolCallArguments.Problem(arguments) is { } problem
                ? new JsonObject
                {
                    ["result"] = new JsonObject
                    {
                        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = Toolbox.Serialize(ToolOutcome.Failed(problem)) }),
                        ["isError"] = true,
                    },
                }
                : null;
        }

        return Error(-32602, "Invalid params: arguments must be an object");
    }

    private static JsonObject Error(int code, string text) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = text } };

    private static Task WriteAsync(HttpContext context, int status, JsonNode? id, JsonObject body)
    {
        var response = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            response[key] = value;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }
}
