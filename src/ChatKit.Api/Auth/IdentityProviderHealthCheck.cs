using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatKit.Api.Auth;

/// <summary>
/// Readiness: the identity provider's keys are in hand. Without them no provider token can be checked — unhealthy when
/// provider tokens are the only kind, degraded (still ready) while <c>JWT_SECRET</c> tokens keep working. Cached keys
/// count: a provider outage after the first fetch changes nothing here.
/// </summary>
public sealed class IdentityProviderHealthCheck(IdentityProviderKeys keys) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (await keys.HaveKeysAsync(cancellationToken).ConfigureAwait(false))
        {
            return HealthCheckResult.Healthy();
        }

        const string Why = "the identity provider's keys could not be fetched";
        return keys.SecretEnabled ? HealthCheckResult.Degraded(Why) : HealthCheckResult.Unhealthy(Why);
    }
}
