using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace ChatKit.Application.Options;

/// <summary>The tools that run in the browser.</summary>
public sealed class ClientToolOptions
{
    /// <summary><c>CLIENT_TOOLS</c>: comma-separated names of client tools the model is offered (supported: <c>get_selected_tasks</c>); default none.</summary>
    [ConfigurationKeyName("CLIENT_TOOLS")]
    [RegularExpression(@"^\s*(get_selected_tasks)?\s*(,\s*get_selected_tasks\s*)*$", ErrorMessage = "CLIENT_TOOLS may only name get_selected_tasks.")]
    public string? Names { get; set; }

    public IReadOnlyList<string> NameList =>
        (Names ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
}
