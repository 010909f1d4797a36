using ChatKit.IntegrationTests.Playground;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.IntegrationTests.Docs;

/// <summary>/docs in a real Chromium: Scalar loads from the service itself (no CDN) and renders the API's own document.</summary>
[NonParallelizable]
public sealed class ApiReferenceBrowserTests
{
    [Test]
    public async Task Docs_RendersTheApiReference_FromThisServiceAlone()
    {
        await using var app = ChatKitFactory.Create(null);
        app.UseKestrel(0);
        app.StartServer();
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var elsewhere = new List<string>();
        var failed = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(app.ServerAddress.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                elsewhere.Add(request.Url);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                failed.Add($"{response.Status} {response.Url}");
            }
        };

        await page.GotoAsync(new Uri(app.ServerAddress, "/docs").ToString());

        await Expect(page.GetByText("ChatKit API").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(page.GetByText("Send a message: stored before the stream starts", new() { Exact = false }).First).ToBeAttachedAsync();
        await Chromium.ScreenshotAsync(page, "docs", "scalar");
        Assert.That(failed, Is.Empty);
        Assert.That(elsewhere, Is.Empty, "the reference needs nothing from outside the service");
    }
}
