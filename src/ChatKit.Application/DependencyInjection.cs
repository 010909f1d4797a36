using ChatKit.Application.Runs.StreamRun;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.Application;

public static class DependencyInjection
{
    /// <summary>Validators and application services; the host registers Mediator itself (its generator runs there).</summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        services.AddValidatorsFromAssemblyContaining<PromptBuilder>(ServiceLifetime.Singleton);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PromptBuilder>();
        return services;
    }
}
