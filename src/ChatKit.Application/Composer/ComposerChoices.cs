using ChatKit.Application.Abstractions;
using ChatKit.Application.Tools;

namespace ChatKit.Application.Composer;

/// <summary>
/// What the composer may offer and what a message may ask for: the models the request's plan allows (of <c>MODELS</c>, or
/// the configured model alone without it; the first the default) and the agent's tools.
/// </summary>
public sealed class ComposerChoices(Plans.PlanCatalog plans, Toolbox toolbox)
{
    /// <summary>The models the current request's plan may pick, its default first.</summary>
    public IReadOnlyList<string> Models => plans.Current.Models;

    public string DefaultModel => Models[0];

    public IReadOnlyList<ToolDefinition> Tools => toolbox.Definitions;

    public bool AllowsModel(string id) => Models.Contains(id, StringComparer.Ordinal);

    public bool AllowsTool(string id) => toolbox.Definitions.Any(d => d.Name == id);

    /// <summary>The tool's icon in the composer (a ChatKit icon name, or <c>lucide:…</c>, which ChatKit also takes).</summary>
    public string IconOf(string tool) => toolbox.IconOf(tool) ?? "bolt";
}
