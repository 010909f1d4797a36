using ChatKit.Application.Options;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Plans;

/// <summary>
/// The plans of <c>PLANS_FILE</c> resolved against the global settings, and the plan that applies now. A token naming
/// no plan, or a plan the file does not have, gets <c>default</c> (the file's, or the global settings).
/// </summary>
public sealed class PlanCatalog
{
    private readonly Dictionary<string, Plan> _plans;

    public PlanCatalog(
        IOptions<PlanOptions> plans,
        IOptions<LimitsOptions> limits,
        IOptions<BudgetOptions> budgets,
        IOptions<TaskOptions> tasks,
        IOptions<AttachmentOptions> attachments,
        IOptions<ComposerOptions> composer,
        Abstractions.IChatModel model)
    {
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentNullException.ThrowIfNull(composer);
        ArgumentNullException.ThrowIfNull(model);
        AllModels = AllowedModels(composer.Value, model.Name);
        var definitions = new Dictionary<string, PlanDefinition>(plans.Value.Definitions, StringComparer.Ordinal);
        definitions.TryAdd(Plan.DefaultName, new PlanDefinition());
        _plans = definitions.ToDictionary(
            d => d.Key,
            d => new Plan(
                d.Key,
                d.Value.RequestsPerMinute,
                d.Value.TokensPerDay ?? budgets.Value.TokensPerUserPerDay,
                d.Value.CostPerDayUsd ?? 0,
                d.Value.MaxSessions ?? limits.Value.MaxSessionsPerUser,
                d.Value.MaxMessagesPerSession ?? limits.Value.MaxMessagesPerSession,
                d.Value.MaxTasks ?? tasks.Value.MaxTasksPerUser,
                d.Value.Models is { Count: > 0 } models ? [.. models] : AllModels,
                d.Value.Attachments ?? attachments.Value.BytesPerUser),
            StringComparer.Ordinal);
        Default = _plans[Plan.DefaultName];
    }

    public Plan Default { get; }

    /// <summary><c>MODELS</c> (the configured model alone without it), the first the default.</summary>
    public IReadOnlyList<string> AllModels { get; }

    public static IReadOnlyList<string> AllowedModels(ComposerOptions composer, string configuredModel)
    {
        ArgumentNullException.ThrowIfNull(composer);
        return composer.ModelList is { Count: > 0 } list ? list : [configuredModel];
    }

    public IReadOnlyCollection<Plan> All => _plans.Values;

    /// <summary>The model a message of the plan gets when it names none: null when the plan allows every model (the configured default).</summary>
    public string? DefaultModelOf(Plan plan) => plan is null || ReferenceEquals(plan.Models, AllModels) ? null : plan.Models[0];

    /// <summary>The plan a token names.</summary>
    public Plan For(string? name) => name is not null && _plans.TryGetValue(name, out var plan) ? plan : Default;

    /// <summary>The plan of the request under way (the default one outside a request).</summary>
    public Plan Current => CurrentPlan.Get() ?? Default;
}
