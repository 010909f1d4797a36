using System.Text.RegularExpressions;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>
/// The environment variables the service reads, found in its source: options properties' <c>[ConfigurationKeyName]</c>
/// and the keys the hosts read by name (<c>configuration["X"]</c>, <c>Settings.Int(c, "X", …)</c> and the like).
/// </summary>
public static partial class ConfigurationVariables
{
    public static IReadOnlySet<string> ReadByTheService { get; } = Scan();

    private static HashSet<string> Scan()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(ExternalTools.RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match match in Reads().Matches(File.ReadAllText(file)))
            {
                names.Add(match.Groups["name"].Value);
            }
        }

        return names.Count > 30 ? names : throw new InvalidOperationException($"Only {names.Count} configuration keys found: the scan no longer matches the code.");
    }

    [GeneratedRegex("""(?:ConfigurationKeyName\(|(?:c|configuration|config)\[|(?:Int|Double|Flag|List)\((?:c|configuration), )"(?<name>[A-Z][A-Z0-9_]+)"[\)\],]""")]
    private static partial Regex Reads();
}
