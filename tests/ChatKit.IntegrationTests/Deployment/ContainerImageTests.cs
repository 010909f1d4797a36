using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Deployment;

/// <summary>
/// The image <c>dotnet publish -t:PublishContainer</c> would build, as the SDK computes it (building it needs the base
/// image from its registry and a place to push, which a test machine does not have): non-root, port 8080, overridable base.
/// </summary>
public sealed class ContainerImageTests
{
    [Test]
    public async Task PublishContainer_RunsAsNonRootOn8080_AndTheBaseImageCanBeOverridden()
    {
        var standard = await ComputeAsync();
        var overridden = await ComputeAsync("-p:ContainerBaseImage=images.internal.test/dotnet/aspnet:10.0-noble-chiseled");

        Assert.That(standard["Properties"]!["ContainerUser"]!.GetValue<string>(), Is.EqualTo("app"));
        Assert.That(standard["Properties"]!["ContainerBaseImage"]!.GetValue<string>(), Does.Contain("dotnet/aspnet:10.0"));
        Assert.That(standard["Properties"]!["ContainerRepository"]!.GetValue<string>(), Is.EqualTo("chatkit"));
        Assert.That(Identities(standard, "ContainerPort"), Is.EquivalentTo(new[] { "8080", "9464" }));
        var environment = standard["Items"]!["ContainerEnvironmentVariable"]!.AsArray()
            .ToDictionary(e => e!["Identity"]!.GetValue<string>(), e => e!["Value"]!.GetValue<string>());
        Assert.That(environment["HOST"], Is.EqualTo("0.0.0.0"));
        Assert.That(environment["PORT"], Is.EqualTo("8080"));
        Assert.That(overridden["Properties"]!["ContainerBaseImage"]!.GetValue<string>(), Is.EqualTo("images.internal.test/dotnet/aspnet:10.0-noble-chiseled"));
        Assert.That(overridden["Properties"]!["ContainerUser"]!.GetValue<string>(), Is.EqualTo("app"));
    }

    private static IEnumerable<string> Identities(JsonNode config, string item) =>
        config["Items"]![item]!.AsArray().Select(i => i!["Identity"]!.GetValue<string>());

    private static async Task<JsonNode> ComputeAsync(params string[] extra)
    {
        var project = Path.Combine(ExternalTools.RepositoryRoot, "src", "ChatKit.Api", "ChatKit.Api.csproj");
        var output = await ExternalTools.RunCheckedAsync(
            "dotnet",
            ["msbuild", project, "-nologo", "-t:ComputeContainerConfig", "-p:Configuration=Release", .. extra,
             "-getProperty:ContainerUser", "-getProperty:ContainerBaseImage", "-getProperty:ContainerRepository",
             "-getItem:ContainerPort", "-getItem:ContainerEnvironmentVariable"],
            ExternalTools.RepositoryRoot,
            TimeSpan.FromMinutes(3));
        return JsonNode.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..])!;
    }
}
