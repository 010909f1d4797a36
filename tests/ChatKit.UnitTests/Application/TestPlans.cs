using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using ChatKit.Application.Plans;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace ChatKit.UnitTests.Application;

/// <summary>A plan catalog over the given global settings and no plans file: every request gets <c>default</c>.</summary>
internal static class TestPlans
{
    public static PlanCatalog Catalog(
        LimitsOptions? limits = null, TaskOptions? tasks = null, BudgetOptions? budgets = null, ComposerOptions? composer = null,
        IReadOnlyDictionary<string, PlanDefinition>? plans = null)
    {
        var model = Substitute.For<IChatModel>();
        model.Name.Returns("fake/model");
        return new PlanCatalog(
            Options.Create(new PlanOptions { Definitions = plans ?? new Dictionary<string, PlanDefinition>() }),
            Options.Create(limits ?? new LimitsOptions()),
            Options.Create(budgets ?? new BudgetOptions()),
            Options.Create(tasks ?? new TaskOptions()),
            TestAttachments.Options,
            Options.Create(composer ?? new ComposerOptions()),
            model);
    }
}
