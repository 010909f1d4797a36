using ChatKit.Api.Auth;
using ChatKit.Application.Plans;

namespace ChatKit.Api.Plans;

/// <summary>After authentication: the plan the token names (or <c>default</c>) applies to everything the request does.</summary>
public sealed class PlanFromToken(RequestDelegate next, PlanCatalog plans)
{
    public Task InvokeAsync(HttpContext context)
    {
        CurrentPlan.Set(plans.For(JwtSetup.PlanName(context.User)));
        return next(context);
    }
}
