using System.Text.RegularExpressions;

namespace ChatKit.IntegrationTests.Docs;

/// <summary>Every relative link in the README, the docs and the example's README points at a file that exists.</summary>
public sealed partial class DocumentationLinkTests
{
    [Test]
    public void RelativeLinks_PointAtFilesThatExist()
    {
        var root = ExternalTools.RepositoryRoot;
        var files = new[] { Path.Combine(root, "README.md"), Path.Combine(root, "examples", "chatkit-react", "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories));
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var file in files)
        {
            foreach (Match link in Link().Matches(File.ReadAllText(file)))
            {
                var target = link.Groups["target"].Value.Split('#')[0];
                if (target.Length == 0 || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                checkedLinks++;
                var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, target));
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    broken.Add($"{Path.GetRelativePath(root, file)} → {target}");
                }
            }
        }

        Assert.That(broken, Is.Empty);
        Assert.That(checkedLinks, Is.GreaterThan(20));
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();
}
