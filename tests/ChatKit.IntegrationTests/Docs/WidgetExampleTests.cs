namespace ChatKit.IntegrationTests.Docs;

/// <summary>
/// examples/chatkit-react builds: installed from its lock file, type-checked against the official ChatKit types, bundled.
/// (Its runtime loads from OpenAI's CDN, so it is not driven in a browser here; the playground is.)
/// </summary>
public sealed class WidgetExampleTests
{
    [Test]
    public async Task TheChatKitReactExample_InstallsTypeChecksAndBuilds()
    {
        var example = Path.Combine(ExternalTools.RepositoryRoot, "examples", "chatkit-react");
        var dist = Path.Combine(example, "dist");
        if (Directory.Exists(dist))
        {
            Directory.Delete(dist, recursive: true);
        }

        await ExternalTools.RunCheckedAsync("npm", ["ci", "--no-audit", "--no-fund"], example, TimeSpan.FromMinutes(5));
        var build = await ExternalTools.RunAsync("npm", ["run", "build"], example, TimeSpan.FromMinutes(3));

        Assert.That(build.ExitCode, Is.Zero, build.Output);
        Assert.That(build.Output, Does.Contain("tsc --noEmit"), build.Output);
        Assert.That(File.ReadAllText(Path.Combine(dist, "index.html")), Does.Contain("chatkit.js"));
        var bundle = string.Concat(Directory.GetFiles(Path.Combine(dist, "assets"), "*.js").Select(File.ReadAllText));
        Assert.That(bundle, Does.Contain("openai-chatkit").And.Contain("/api/v1/chatkit"));
    }
}
