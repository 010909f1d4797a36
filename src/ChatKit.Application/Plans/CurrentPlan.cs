namespace ChatKit.Application.Plans;

/// <summary>
/// The plan of the request under way, set once by the door from the token and read where each limit is enforced. It rides
/// the async flow (as <c>ToolCallScope</c> does), so no command changes shape and a run started by the request keeps its
/// plan; work with no request behind it (a takeover, a sweeper) gets the default plan.
/// </summary>
public static class CurrentPlan
{
    private static readonly AsyncLocal<Plan?> Value = new();

    public static Plan? Get() => Value.Value;

    public static void Set(Plan plan) => Value.Value = plan;
}
