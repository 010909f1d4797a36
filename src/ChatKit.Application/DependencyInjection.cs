using ChatKit.Application.Options;
using ChatKit.Application.Runs.Engine;
using ChatKit.Application.Runs.StartRun;
using ChatKit.Application.Tasks;
using ChatKit.Application.Tools;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatKit.Application;

public static class DependencyInjection
{
    /// <summary>Validators and application services; the host registers Mediator itself (its generator runs there).</summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        services.AddValidatorsFromAssemblyContaining<PromptBuilder>(ServiceLifetime.Singleton);
        Bind<LimitsOptions>(services);
        Bind<PromptOptions>(services).PostConfigure(o => o.SystemPrompt = string.IsNullOrWhiteSpace(o.SystemPrompt)
            ? PromptOptions.DefaultSystemPrompt
            : o.SystemPrompt.Trim());
        Bind<RunOptions>(services);
        Bind<TaskOptions>(services);
        Bind<ComposerOptions>(services);
        Bind<ClientToolOptions>(services).Validate(
            o => o.NameList.All(AgentTools.IsClient), $"CLIENT_TOOLS may only name {string.Join(", ", AgentTools.KnownNames)}.");
        Bind<BudgetOptions>(services);
        Bind<RetentionOptions>(services);
        Bind<ImportOptions>(services);
        Bind<TransferOptions>(services);
        services.AddSingleton<Transfers.TransferGate>();
        services.AddOptions<PlanOptions>().BindConfiguration(string.Empty).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<PlanOptions>, Plans.PlanValidation>();
        services.AddSingleton<Plans.PlanCatalog>();
        Bind<RunEventOptions>(services);
        Bind<AttachmentOptions>(services)
            .Validate(o => o.TypeList.Count > 0, "ATTACHMENT_TYPES must name at least one MIME type.")
            .Validate(o => System.Text.Encoding.UTF8.GetByteCount(o.UrlKey ?? string.Empty) >= 32, "ATTACHMENT_URL_KEY must be at least 32 bytes (or JWT_SECRET set, from which it is derived).")
            .Validate(o => Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https", "PUBLIC_BASE_URL must be an absolute http(s) URL.");
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PromptBuilder>();
        services.AddSingleton<Attachments.AttachmentLinks>();
        services.AddSingleton<Attachments.AttachmentMetrics>();
        services.AddSingleton<Attachments.PromptAttachmentReader>();
        services.AddSingleton<RunMetrics>();
        services.AddSingleton<TurnRunner>();
        services.AddSingleton<TurnStarter>();
        services.AddSingleton<Runs.Recovery.RunRecovery>();
        services.AddSingleton<Runs.Recovery.OrphanWatch>();
        services.AddSingleton<Runs.Execution.RunCheckpointer>();
        services.AddSingleton<Runs.Execution.RunHost>();
        services.AddSingleton<Runs.Execution.IRunHost>(sp => sp.GetRequiredService<Runs.Execution.RunHost>());
        services.AddSingleton<Threads.ThreadItems>();
        services.AddSingleton<TaskService>();
        services.AddSingleton<Widgets.WidgetActions>();
        foreach (var tool in typeof(IAgentTool).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && t.IsAssignableTo(typeof(IAgentTool))))
        {
            services.AddSingleton(typeof(IAgentTool), tool);
        }

        services.AddSingleton<Toolbox>();
        services.AddSingleton<AgentTools>();
        services.AddSingleton<Composer.ComposerChoices>();
        return services;
    }

    /// <summary>Binds options from the environment variables named on their properties; validated at start, not at first use.</summary>
    private static OptionsBuilder<T> Bind<T>(IServiceCollection services)
        where T : class =>
        services.AddOptions<T>().BindConfiguration(string.Empty).ValidateDataAnnotations().ValidateOnStart();
}
