using System.Text.Json;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Tools;

/// <summary>
/// What the model is offered: the toolbox's server tools and the client tools of <c>CLIENT_TOOLS</c> (which run in the
/// browser: a call pauses the turn until <c>threads.add_client_tool_output</c> answers it). One list for the process, so
/// the model adapter declares it once (ADR-017).
/// </summary>
public sealed class AgentTools
{
    public const string GetSelectedTasks = "get_selected_tasks";

    /// <summary>Every client tool this service knows, offered or not (a stored call of one is always a client call).</summary>
    private static readonly Dictionary<string, ToolDefinition> Known = new(StringComparer.Ordinal)
    {
        [GetSelectedTasks] = new(
            GetSelectedTasks,
            "The tasks the user has selected in the page (ticked in their task list). Call it when the user refers to " +
            "'these', 'the selected ones' or similar. Answers {\"task_ids\": [...]}.",
            JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone()),
    };

    public AgentTools(Toolbox toolbox, IOptions<ClientToolOptions> options)
    {
        ArgumentNullException.ThrowIfNull(toolbox);
        ArgumentNullException.ThrowIfNull(options);
        Client = options.Value.NameList.Select(n => Known[n]).ToList();
        Offered = Client.Count == 0 ? toolbox.Definitions : [.. toolbox.Definitions, .. Client];
    }

    public IReadOnlyList<ToolDefinition> Offered { get; }

    public IReadOnlyList<ToolDefinition> Client { get; }

    public static bool IsClient(string name) => Known.ContainsKey(name);

    /// <summary>The client tools this service knows, for checking <c>CLIENT_TOOLS</c> at start.</summary>
    public static IReadOnlyCollection<string> KnownNames => Known.Keys;

    public static bool IsClient(Domain.Sessions.ToolCall call) => IsClient(call.Function.Name);
}
