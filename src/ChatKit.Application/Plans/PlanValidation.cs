using ChatKit.Application.Abstractions;
using ChatKit.Application.Options;
using Microsoft.Extensions.Options;

namespace ChatKit.Application.Plans;

/// <summary>
/// Stops the start on a plans file that could not be read (the reader names the file and the line), and on a plan that
/// names a model outside <c>MODELS</c> or a limit below zero.
/// </summary>
public sealed class PlanValidation(IOptions<ComposerOptions> composer, IChatModel model) : IValidateOptions<PlanOptions>
{
    public ValidateOptionsResult Validate(string? name, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Error is { } error)
        {
            return ValidateOptionsResult.Fail(error);
        }

        var allowed = PlanCatalog.AllowedModels(composer.Value, model.Name);
        var failures = new List<string>();
        foreach (var (plan, d) in options.Definitions)
        {
            if (d.Models?.FirstOrDefault(m => !allowed.Contains(m, StringComparer.Ordinal)) is { } unknown)
            {
                failures.Add($"PLANS_FILE {options.File}: plan '{plan}' allows model '{unknown}', which is not one of MODELS ({string.Join(", ", allowed)}).");
            }

            if (d.RequestsPerMinute < 0 || d.TokensPerDay < 0 || d.CostPerDayUsd < 0 || d.MaxSessions < 0 || d.MaxMessagesPerSession < 1 || d.MaxTasks < 0 || d.Attachments < 0)
            {
                failures.Add($"PLANS_FILE {options.File}: plan '{plan}' has a limit below zero (max_messages_per_session must be at least 1; 0 elsewhere means unlimited).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
