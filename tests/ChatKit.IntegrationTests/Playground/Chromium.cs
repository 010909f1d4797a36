using Microsoft.Playwright;

namespace ChatKit.IntegrationTests.Playground;

/// <summary>
/// The system Chromium the browser tests drive (Debian's <c>chromium</c> package, installed by <c>./build.sh test</c>;
/// <c>CHATKIT_TEST_CHROMIUM</c> points elsewhere). Missing, the test fails saying so: it never skips.
/// </summary>
public static class Chromium
{
    public static string Path =>
        ExternalTools.Locate("CHATKIT_TEST_CHROMIUM", "/usr/bin/chromium", "run the tests with ./build.sh test (it installs Debian's chromium)");

    /// <summary>Where the browser tests save their screenshots: <c>.local/test-artifacts/&lt;name&gt;</c> in the checkout.</summary>
    public static string ArtifactsDirectory(string name)
    {
        var directory = System.IO.Path.Combine(ExternalTools.RepositoryRoot, ".local", "test-artifacts", name);
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Saves a screenshot of the page as a test artifact (and attaches it to the test's result).</summary>
    public static async Task ScreenshotAsync(IPage page, string directory, string name)
    {
        var path = System.IO.Path.Combine(ArtifactsDirectory(directory), name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, name);
    }

    /// <summary>Headless, and quiet: without these flags Chromium keeps calling home, which a closed network refuses.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Path,
            Headless = true,
            Args = ["--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
}
