using ChatKit.Application.Options;
using ChatKit.Application.Plans;
using Microsoft.Extensions.Options;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ChatKit.Infrastructure.Plans;

/// <summary>
/// Reads <c>PLANS_FILE</c> once, at start: YAML, or JSON (which YAML reads as it is). The file is
/// <c>plans: { name: { limit: value, … }, … }</c>; a key that is not a known limit, a value of the wrong type or a file
/// that does not parse is an error naming the file and the line, which stops the start (ADR-024).
/// </summary>
internal sealed class PlansFileReader : IPostConfigureOptions<PlanOptions>
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    public void PostConfigure(string? name, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.File))
        {
            return;
        }

        try
        {
            using var reader = new StreamReader(options.File);
            var file = Yaml.Deserialize<PlansFile?>(reader);
            options.Definitions = new Dictionary<string, PlanDefinition>(file?.Plans ?? [], StringComparer.Ordinal);
        }
        catch (YamlException ex)
        {
            options.Error = $"PLANS_FILE {options.File}, line {ex.Start.Line}: {Reason(ex)}";
        }
        catch (IOException ex)
        {
            options.Error = $"PLANS_FILE {options.File} cannot be read: {ex.Message}";
        }
        catch (UnauthorizedAccessException ex)
        {
            options.Error = $"PLANS_FILE {options.File} cannot be read: {ex.Message}";
        }
    }

    // YamlDotNet wraps the reason (an unknown key, a value that does not convert) in an exception of its own.
    private static string Reason(YamlException ex) =>
        (ex.InnerException?.Message ?? ex.Message).Replace($"on type '{typeof(PlanDefinition).FullName}'", "(not a known limit)", StringComparison.Ordinal);

    private sealed class PlansFile
    {
        public Dictionary<string, PlanDefinition>? Plans { get; set; }
    }
}
