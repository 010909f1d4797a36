using ChatKit.Application.Runs.Engine;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Tasks;
using ChatKit.Application.Tools;
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
        services.AddSingleton<RunMetrics>();
        services.AddSingleton<TurnRunner>();
        services.AddSingleton<TurnStarter>();
        services.AddSingleton<Runs.Execution.RunHost>();
        services.AddSingleton<Threads.ThreadItems>();
        services.AddSingleton<TaskService>();
        foreach (var tool in typeof(IAgentTool).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && t.IsAssignableTo(typeof(IAgentTool))))
        {
            services.AddSingleton(typeof(IAgentTool), tool);
        }

        services.AddSingleton<Toolbox>();
        return services;
    }
}
