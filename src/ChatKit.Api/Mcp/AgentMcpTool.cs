using System.Text.Json;
using ChatKit.Api.Auth;
using ChatKit.Application.Tools;
using ChatKit.Domain.Sessions;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ChatKit.Api.Mcp;

/// <summary>
/// One of the agent's tools, served over MCP: the same name, description, schema and result, run through the same
/// <see cref="Toolbox"/> for the user the request's JWT names (never a user the caller names).
/// </summary>
public sealed class AgentMcpTool(IAgentTool tool, Toolbox toolbox) : McpServerTool
{
    public override Tool ProtocolTool { get; } = new()
    {
        Name = tool.Definition.Name,
        Description = tool.Definition.Description,
        InputSchema = tool.Definition.Parameters,
    };

    public override IReadOnlyList<object> Metadata { get; } = [];

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var userId = request.User is { } user ? JwtSetup.UserId(user) : null;
        if (userId is null)
        {
            return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "{\"success\":false,\"error\":\"not authenticated\"}" }] };
        }

        // Each value as it was sent (escapes included), so the toolbox can name a field that holds what cannot be stored.
        var arguments = request.Params?.Arguments is { } args
            ? "{" + string.Join(",", args.Select(a => JsonSerializer.Serialize(a.Key) + ":" + a.Value.GetRawText())) + "}"
            : "{}";
        var call = new ToolCall("mcp_" + Guid.NewGuid().ToString("N"), "function", new ToolCallFunction(tool.Definition.Name, arguments));
        var outcome = await toolbox.InvokeAsync(userId, call, cancellationToken).ConfigureAwait(false);
        return new CallToolResult
        {
            IsError = !outcome.Success,
            Content = [new TextContentBlock { Text = Toolbox.Serialize(outcome) }],
        };
    }
}
