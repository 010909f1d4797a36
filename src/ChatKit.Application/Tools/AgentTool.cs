using System.Text.Json;
using System.Text.Json.Nodes;
using ChatKit.Application.Abstractions;
using ChatKit.Application.Tasks;
using ChatKit.Domain.Text;

namespace ChatKit.Application.Tools;

/// <summary>What a tool call produced: the result sent back to the model (and stored), and whether it succeeded.</summary>
public sealed record ToolOutcome(bool Success, JsonObject Result)
{
    public static ToolOutcome Failed(string reason) => new(false, new JsonObject { ["success"] = false, ["error"] = reason });
}

/// <summary>A model's arguments were missing, of the wrong type or out of range; the message is sent back to the model.</summary>
public sealed class ToolArgumentException : Exception
{
    public ToolArgumentException()
        : base("invalid arguments")
    {
    }

    public ToolArgumentException(string message)
        : base(message)
    {
    }

    public ToolArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One tool the assistant is offered. Defined once, served to the in-app agent (and, through the same
/// definition, to other doors): a name, a description and a parameter schema, a human title for a call, and
/// the action, always for the user the request was authenticated as.
/// </summary>
public interface IAgentTool
{
    ToolDefinition Definition { get; }

    /// <summary>A sentence for the person watching, e.g. <c>Adding task “Buy milk”</c>.</summary>
    string Title(ToolArguments args);

    /// <summary>
    /// A short outcome for people, from the stored result alone (so a thread read back later says what the live stream
    /// said), e.g. <c>Added “Buy milk”</c>.
    /// </summary>
    string Summarize(JsonObject result);

    Task<ToolOutcome> InvokeAsync(string userId, ToolArguments args, CancellationToken ct);

    /// <summary>The icon of the progress line shown while a call runs (a reference <c>IconName</c>).</summary>
    string Icon => "bolt";

    /// <summary>How a successful call changed its task (a <see cref="TaskChange"/> kind), from its result; null when it changed none.</summary>
    string? Changed(JsonObject result) => null;

    /// <summary>The call answers with a list of tasks, which the turn also shows as the tasks widget.</summary>
    bool ListsTasks => false;

    /// <summary>The call changes tasks: its step is stored before it runs, and its change records the call (ADR-023).</summary>
    bool ChangesTasks => false;
}

/// <summary>Typed reads of a call's JSON arguments; a wrong shape is a <see cref="ToolArgumentException"/>.</summary>
public sealed class ToolArguments(JsonElement root)
{
    public static ToolArguments Empty { get; } = new(JsonDocument.Parse("{}").RootElement);

    /// <summary>Parses the model's argument text; an empty text is an empty object.</summary>
    public static ToolArguments Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Empty;
        }

        try
        {
            var element = JsonDocument.Parse(json).RootElement;
            return element.ValueKind != JsonValueKind.Object ? throw new ToolArgumentException("arguments must be a JSON object")
                : ToolCallArguments.Problem(element) is { } problem ? throw new ToolArgumentException(problem)
                : new ToolArguments(element);
        }
        catch (JsonException)
        {
            throw new ToolArgumentException("arguments are not valid JSON");
        }
    }

    public string? String(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v when StorableText.IsStorable(v.GetString()) => v.GetString(),
        { ValueKind: JsonValueKind.String } => throw new ToolArgumentException($"{name} {StorableText.UnstorableMessage}"),
        _ => throw new ToolArgumentException($"{name} must be a string"),
    };

    public string RequiredString(string name) =>
        String(name) is { Length: > 0 } value ? value : throw new ToolArgumentException($"{name} is required");

    public bool? Bool(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new ToolArgumentException($"{name} must be true or false"),
    };

    public IReadOnlyList<string?>? Strings(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } v when v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            v.EnumerateArray().Select(e => e.GetString()).ToList(),
        _ => throw new ToolArgumentException($"{name} must be a list of strings"),
    };

    public IReadOnlyList<string?> RequiredStrings(string name) =>
        Strings(name) is { Count: > 0 } values ? values : throw new ToolArgumentException($"{name} is required");

    private JsonElement? Get(string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
}
