using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatKit.IntegrationTests.Playground;

/// <summary>
/// The playground in a real Chromium (Debian's, driven by Playwright with no browser download) against the real service
/// on a real socket, in Development so its token button works: a tool turn, a rename, a stop, a reload mid-reply that
/// reattaches, a delete. Each step is checked against what the API then stores, and screenshotted.
/// </summary>
[NonParallelizable]
public sealed class PlaygroundBrowserTests
{
    [Test]
    public async Task AConversationWithAToolCall_AStop_AndAReloadThatReattaches()
    {
        var upstream = AssemblySetup.Upstream;
        var marker = "#pg" + Guid.NewGuid().ToString("N")[..8];

        // Scripted by its (natural) text, so the first screenshot reads as a real conversation: it is the README's.
        const string toolTurn = "Please add a task: buy oat milk for the weekend, high priority, tagged home";
        upstream.Script(
            toolTurn,
            new ScriptStep(["I'll add that for you."], [new ScriptedCall("pg_call_1", "add_task", """{"title":"Buy oat milk","priority":"HIGH","tags":["home"]}""")])
            {
                Finish = "tool_calls",
            },
            ScriptStep.Text("Done: ", "“Buy oat milk” ", "is on your list, ", "high priority, ", "tagged home."));
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(upstream)) { EnvironmentName = "Development" };
        app.UseKestrel(0);
        app.StartServer();
        var user = ChatKitFactory.NewUser();
        using var api = app.SocketClientFor(user);

        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var (page, pageErrors) = await OpenAsync(browser, app);
        var sessionId = await SignInAndCreateASessionAsync(page, user);

        // A turn with a tool call: the workflow item completes, the task list shows the new task, the reply streams.
        await page.FillAsync("#message", toolTurn);
        await page.PressAsync("#message", "Enter");
        await Expect(page.Locator("#items li.workflow .task.complete")).ToContainTextAsync("Buy oat milk");
        await Expect(page.Locator("#items li.assistant_message").Last).ToHaveTextAsync("Done: “Buy oat milk” is on your list, high priority, tagged home.");
        await Expect(page.Locator("#tasks li")).ToContainTextAsync("Buy oat milk");
        await Expect(page.Locator("#status")).ToContainTextAsync("finished");
        await ShotAsync(page, "1-tool-call");
        var tasks = await (await api.GetAsync("/api/v1/tasks")).JsonAsync();
        Assert.That(tasks["data"]!.AsArray().Select(t => t!["title"]!.GetValue<string>()), Is.EqualTo(new[] { "Buy oat milk" }));

        // Rename.
        await page.FillAsync("#title", "Playground demo");
        await page.ClickAsync("#rename");
        await Expect(page.Locator("#sessions li.selected")).ToHaveTextAsync("Playground demo");

        // Stop a long reply with the cancel endpoint: what the page shows is what is stored, marked incomplete.
        await SendAsync(page, $"Tell me a long story #tokens=400 #gapms=40 {marker}stop");
        await WaitForStreamingTextAsync(page);
        await page.ClickAsync("#stop");
        await Expect(page.Locator("#status")).ToContainTextAsync("Stopped run", new() { Timeout = 10_000 });
        var stopped = page.Locator("#items li.assistant_message").Last;
        await Expect(stopped).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("incomplete"));
        await ShotAsync(page, "2-stopped");
        var afterStop = await api.MessagesAsync(sessionId);
        var stoppedReply = afterStop[^1]!;
        Assert.That(stoppedReply["status"]!.GetValue<string>(), Is.EqualTo("incomplete"));
        Assert.That(await stopped.TextContentAsync(), Is.EqualTo(TextOf(stoppedReply)));

        // Reload mid-reply: the page finds the active run, replays it and follows it to the end, without duplicates.
        await SendAsync(page, $"Another story please #tokens=200 #gapms=40 {marker}reload");
        await WaitForStreamingTextAsync(page);
        var runBefore = await page.EvaluateAsync<string>("() => document.body.dataset.run");
        await page.ReloadAsync();
        await Expect(page.Locator("#status")).ToContainTextAsync($"Reattached to run {runBefore}");
        await ShotAsync(page, "3-reattached");
        await Expect(page.Locator("#status")).ToContainTextAsync("finished", new() { Timeout = 20_000 });
        var stored = await api.MessagesAsync(sessionId);
        var reply = stored[^1]!;
        Assert.That(reply["status"]!.GetValue<string>(), Is.EqualTo("completed"));
        Assert.That(await page.Locator("#items li.assistant_message").Last.TextContentAsync(), Is.EqualTo(TextOf(reply)));
        Assert.That(await page.Locator("#items li.user_message").CountAsync(), Is.EqualTo(stored.Count(m => m!["role"]!.GetValue<string>() == "user")));
        Assert.That(await page.Locator("#items li.assistant_message").CountAsync(), Is.EqualTo(4));
        await ShotAsync(page, "4-finished");

        // Delete.
        await page.ClickAsync("#delete");
        await Expect(page.Locator("#sessions li")).ToHaveCountAsync(0);
        await (await api.GetAsync($"{ChatApi.Sessions}/{sessionId}")).AssertErrorAsync(HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        Assert.That(pageErrors, Is.Empty);
    }

    /// <summary>
    /// The tasks widget in the page: a listing turn shows it, a click completes the task through
    /// threads.sync_custom_action, the page's task list follows, and a reload shows the widget as stored.
    /// </summary>
    [Test]
    public async Task TheTasksWidget_RendersItsRows_AndAClickCompletesTheTask()
    {
        var upstream = AssemblySetup.Upstream;
        const string listTurn = "Which tasks are still open on my list?";
        upstream.Script(
            listTurn,
            ScriptStep.ToolCalls(new ScriptedCall("pg_list_1", "list_tasks", "{}")),
            ScriptStep.Text("Here are your tasks; tick one off when it is done."));
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(upstream)) { EnvironmentName = "Development" };
        app.UseKestrel(0);
        app.StartServer();
        var user = ChatKitFactory.NewUser();
        using var api = app.SocketClientFor(user);
        foreach (var (title, priority) in new[] { ("Water the plants", "low"), ("Book the dentist", "high") })
        {
            using var created = await api.PostAsync("/api/v1/tasks", JsonContent.Create(new { title, priority }));
            Assert.That(created.IsSuccessStatusCode, Is.True);
        }

        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var (page, pageErrors) = await OpenAsync(browser, app);
        await SignInAndCreateASessionAsync(page, user);

        await SendAsync(page, listTurn);
        var dentist = page.Locator("#items li.widget .widget-row", new() { HasText = "Book the dentist" });
        await Expect(dentist.Locator("button", new() { HasText = "Complete" })).ToBeVisibleAsync();
        await Expect(page.Locator("#items li.widget .widget-row")).ToHaveCountAsync(2);
        await Expect(page.Locator("#status")).ToContainTextAsync("finished");

        await dentist.Locator("button", new() { HasText = "Complete" }).ClickAsync();
        await Expect(dentist.Locator("button", new() { HasText = "Reopen" })).ToBeVisibleAsync();
        await Expect(dentist.Locator("span.done")).ToHaveTextAsync("Book the dentist");
        await Expect(page.Locator("#tasks li.done")).ToContainTextAsync("Book the dentist");
        await ShotAsync(page, "widget");
        var tasks = (await (await api.GetAsync("/api/v1/tasks")).JsonAsync())["data"]!.AsArray();
        Assert.That(tasks.Single(t => t!["title"]!.GetValue<string>() == "Book the dentist")!["completed"]!.GetValue<bool>(), Is.True);

        // Stored: after a reload the widget is where it was, as it now is.
        await page.ReloadAsync();
        await Expect(page.Locator("#items li.widget .widget-row", new() { HasText = "Book the dentist" }).Locator("button", new() { HasText = "Reopen" })).ToBeVisibleAsync();
        Assert.That(pageErrors, Is.Empty);
    }

    /// <summary>
    /// The composer in the page: the model picked from GET /composer, a task @-mentioned as a chip (its id reaches the
    /// model), and the get_selected_tasks client tool answered from the task list's checkboxes.
    /// </summary>
    [Test]
    public async Task TheComposer_PicksAModel_MentionsATask_AndAnswersTheClientToolFromTheCheckboxes()
    {
        var upstream = AssemblySetup.Upstream;
        const string turn = "Which of the ticked ones are urgent? Compare with the mentioned one.";
        upstream.Script(
            turn,
            ScriptStep.ToolCalls(new ScriptedCall("pg_cli_1", "get_selected_tasks", "{}")),
            ScriptStep.Text("Both ticked tasks are urgent."));
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(
            upstream, ("MODELS", "fake/model,other/model-2"), ("CLIENT_TOOLS", "get_selected_tasks")))
        { EnvironmentName = "Development" };
        app.UseKestrel(0);
        app.StartServer();
        var user = ChatKitFactory.NewUser();
        using var api = app.SocketClientFor(user);
        var ids = new Dictionary<string, string>();
        foreach (var title in new[] { "Pay rent", "Call mum", "Renew passport" })
        {
            using var created = await api.PostAsync("/api/v1/tasks", JsonContent.Create(new { title }));
            ids[title] = (await created.JsonAsync())["data"]!["id"]!.GetValue<string>();
        }

        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var (page, pageErrors) = await OpenAsync(browser, app);
        await SignInAndCreateASessionAsync(page, user);
        await Expect(page.Locator("#model option")).ToHaveCountAsync(2);

        await page.SelectOptionAsync("#model", "other/model-2");
        await page.Locator("#tasks li", new() { HasText = "Renew passport" }).Locator("button.mention").ClickAsync();
        await page.Locator("#tasks li", new() { HasText = "Pay rent" }).Locator("input.select").CheckAsync();
        await page.Locator("#tasks li", new() { HasText = "Call mum" }).Locator("input.select").CheckAsync();
        await Expect(page.Locator("#mentions .tag")).ToHaveTextAsync("@Renew passport");
        await SendAsync(page, turn);

        await Expect(page.Locator("#items li.assistant_message").Last).ToHaveTextAsync("Both ticked tasks are urgent.", new() { Timeout = 15_000 });
        await Expect(page.Locator("#items li.user_message .tag")).ToHaveTextAsync("@Renew passport");
        await Expect(page.Locator("#items li.client_tool_call")).ToContainTextAsync("answered get_selected_tasks");
        await ShotAsync(page, "composer");

        var requests = upstream.RequestsWith(turn);
        Assert.That(requests, Has.Count.EqualTo(2));
        Assert.That(requests.Select(r => r.Body["model"]!.GetValue<string>()), Is.All.EqualTo("other/model-2"), "the picked model, every call");
        Assert.That(requests[0].LastUserText, Does.Contain($"Renew passport (task {ids["Renew passport"]})"), "the model reads the tag's id");
        var answer = requests[1].Body["messages"]!.AsArray().Single(m => m!["tool_call_id"]?.GetValue<string>() == "pg_cli_1")!["content"]!.GetValue<string>();
        Assert.That(JsonNode.Parse(answer)!["task_ids"]!.AsArray().Select(i => i!.GetValue<string>()), Is.EquivalentTo(new[] { ids["Pay rent"], ids["Call mum"] }));
        Assert.That(pageErrors, Is.Empty);
    }

    /// <summary>
    /// The paperclip in the page: a picked image goes up in one step, shows as a thumbnail through its signed preview_url
    /// (an &lt;img&gt; sends no token), reaches the model as an image part, and stays on the message after a reload.
    /// </summary>
    [Test]
    public async Task TheFilePicker_UploadsAnImage_ShowsItsThumbnail_AndTheModelGetsTheImage()
    {
        var upstream = AssemblySetup.Upstream;
        const string turn = "Turn this whiteboard into tasks.";
        upstream.Script(turn, ScriptStep.Text("I see a gradient, not a whiteboard."));
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(upstream)) { EnvironmentName = "Development" };
        app.UseKestrel(0);
        app.StartServer();
        var user = ChatKitFactory.NewUser();
        var png = Attachments.AttachmentFiles.GradientPng(160, 120);

        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var (page, pageErrors) = await OpenAsync(browser, app);
        await SignInAndCreateASessionAsync(page, user);
        await page.SetInputFilesAsync("#file", new Microsoft.Playwright.FilePayload { Name = "whiteboard.png", MimeType = "image/png", Buffer = png });
        var thumb = page.Locator("#attachments img.thumb");
        await Expect(thumb).ToHaveAttributeAsync("alt", "whiteboard.png");
        Assert.That(await thumb.EvaluateAsync<int>("img => img.decode().then(() => img.naturalWidth)"), Is.EqualTo(160), "the browser loaded the image through its signed link");
        await SendAsync(page, turn);

        await Expect(page.Locator("#items li.assistant_message").Last).ToHaveTextAsync("I see a gradient, not a whiteboard.", new() { Timeout = 15_000 });
        await Expect(page.Locator("#attachments img")).ToHaveCountAsync(0);
        var shown = page.Locator("#items li.user_message img.thumb");
        Assert.That(await shown.EvaluateAsync<int>("img => img.decode().then(() => img.naturalWidth)"), Is.EqualTo(160));
        await ShotAsync(page, "attachment");
        Assert.That(upstream.RequestsWith(turn).Single().ImageUrls, Is.EqualTo(new[] { "data:image/png;base64," + Convert.ToBase64String(png) }));

        await page.ReloadAsync();
        await page.Locator("#sessions li").First.ClickAsync();
        await Expect(page.Locator("#items li.user_message img.thumb")).ToHaveCountAsync(1);
        Assert.That(await page.Locator("#items li.user_message img.thumb").EvaluateAsync<int>("img => img.decode().then(() => img.naturalWidth)"), Is.EqualTo(160), "fresh links on reload");
        Assert.That(pageErrors, Is.Empty);
    }

    /// <summary>The README's path for a newcomer: no API key (the offline model), Development, "add task: Buy milk".</summary>
    [Test]
    public async Task TheReadmesFirstSteps_WithTheOfflineModel_AddATaskInAStreamedToolTurn()
    {
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(null)) { EnvironmentName = "Development" };
        app.UseKestrel(0);
        app.StartServer();
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var (page, pageErrors) = await OpenAsync(browser, app);
        await SignInAndCreateASessionAsync(page, ChatKitFactory.NewUser());

        await SendAsync(page, "add task: Buy milk");

        await Expect(page.Locator("#items li.workflow .task.complete")).ToContainTextAsync("Buy milk");
        await Expect(page.Locator("#tasks li")).ToContainTextAsync("Buy milk");
        await Expect(page.Locator("#status")).ToContainTextAsync("finished");
        Assert.That(await page.Locator("#items li.assistant_message").Last.TextContentAsync(), Is.Not.Empty);
        await ShotAsync(page, "offline-add-task");
        Assert.That(pageErrors, Is.Empty);
    }

    /// <summary>Outside Development (PLAYGROUND_ENABLED=true): the token button says why it cannot help; a pasted token works.</summary>
    [Test]
    public async Task OutsideDevelopment_TheTokenButtonExplains_AndAPastedTokenSignsIn()
    {
        await using var app = ChatKitFactory.Create(null, ("PLAYGROUND_ENABLED", "true"));
        app.UseKestrel(0);
        app.StartServer();
        var user = ChatKitFactory.NewUser();
        using var api = app.SocketClientFor(user);
        await api.CreateSessionAsync();
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var (page, pageErrors) = await OpenAsync(browser, app);

        await page.ClickAsync("#dev-token");
        await Expect(page.Locator("#status")).ToContainTextAsync("not in Development");
        await Expect(page.Locator("#status")).ToHaveClassAsync("error");

        await page.FillAsync("#token", "not-a-token");
        await page.ClickAsync("#use-token");
        await Expect(page.Locator("#status")).ToContainTextAsync("401 UNAUTHORIZED");

        await page.FillAsync("#token", app.TokenFor(user));
        await page.ClickAsync("#use-token");
        await Expect(page.Locator("#status")).ToContainTextAsync("Signed in");
        await Expect(page.Locator("#sessions li")).ToHaveCountAsync(1);
        Assert.That(pageErrors, Is.Empty);
    }

    [Test]
    public async Task TheSearchBox_FindsAMessage_AndTheSwitcherShowsEachVersionOfAnEditedMessage()
    {
        var upstream = AssemblySetup.Upstream;
        var marker = "#pg" + Guid.NewGuid().ToString("N")[..8];
        upstream.Script(marker + "sat", ScriptStep.Text("Bring ", "sandwiches."));
        upstream.Script(marker + "sun", ScriptStep.Text("Bring ", "a blanket."));
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(upstream)) { EnvironmentName = "Development" };
        app.UseKestrel(0);
        app.StartServer();
        var user = ChatKitFactory.NewUser();
        using var api = app.SocketClientFor(user);
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var (page, pageErrors) = await OpenAsync(browser, app);
        var sessionId = await SignInAndCreateASessionAsync(page, user);

        await SendAsync(page, $"Plan the picnic on Saturday {marker}sat");
        await Expect(page.Locator("#status")).ToContainTextAsync("finished");

        // Edit: the composer takes the message's text; the send starts a new version, and the switcher shows 2/2.
        await page.Locator("#items li.user_message button.edit").ClickAsync();
        await Expect(page.Locator("#message")).ToHaveValueAsync($"Plan the picnic on Saturday {marker}sat");
        await page.FillAsync("#message", $"Plan the picnic on Sunday {marker}sun");
        await page.ClickAsync("#send");
        await Expect(page.Locator("#status")).ToContainTextAsync("finished");
        await Expect(page.Locator("#items li.user_message")).ToHaveCountAsync(1);
        await Expect(page.Locator("#items li.user_message")).ToContainTextAsync("Sunday");
        await Expect(page.Locator("#items li.user_message .branch")).ToHaveTextAsync("‹2/2›");
        await Expect(page.Locator("#items li.assistant_message")).ToHaveTextAsync("Bring a blanket.");
        await ShotAsync(page, "7-edited");

        // ‹ shows the first version with its own answer; the session (and its prompt) follow it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Previous version" }).ClickAsync();
        await Expect(page.Locator("#items li.user_message")).ToContainTextAsync("Saturday");
        await Expect(page.Locator("#items li.user_message .branch")).ToHaveTextAsync("‹1/2›");
        await Expect(page.Locator("#items li.assistant_message")).ToHaveTextAsync("Bring sandwiches.");
        var stored = await api.MessagesAsync(sessionId);
        Assert.That(stored.Select(m => TextOf(m!)), Is.EqualTo(new[] { $"Plan the picnic on Saturday {marker}sat", "Bring sandwiches." }));

        // A message holding markup, then the search box: hits with <mark>, the markup shown as text.
        await SendAsync(page, "<img src=x onerror=alert(1)> picnic blanket");
        await Expect(page.Locator("#status")).ToContainTextAsync("finished");
        await page.FillAsync("#search", "blanket");
        await page.PressAsync("#search", "Enter");
        await Expect(page.Locator("#search-results li")).ToHaveCountAsync(2);
        await Expect(page.Locator("#search-results li mark").First).ToHaveTextAsync("blanket");
        Assert.That(await page.Locator("#search-results img").CountAsync(), Is.Zero, "a message's markup is never markup here");
        await Expect(page.Locator("#search-results li").First).ToContainTextAsync("img src=x onerror=alert(1)> picnic blanket"); // the excerpt starts at a word
        await ShotAsync(page, "8-search");

        // The hit on the version not shown brings that version back.
        await page.Locator("#search-results li", new() { HasText = "Bring a blanket." }).ClickAsync();
        await Expect(page.Locator("#items li.assistant_message.found")).ToHaveTextAsync("Bring a blanket.");
        await Expect(page.Locator("#items li.user_message").First).ToContainTextAsync("Sunday");
        Assert.That(TextOf((await api.MessagesAsync(sessionId))[0]!), Does.Contain("Sunday"));
        Assert.That(pageErrors, Is.Empty);
    }

    private static async Task<(IPage Page, List<string> Errors)> OpenAsync(IBrowser browser, ChatKitFactory app)
    {
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 820 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(new Uri(app.ServerAddress, "/playground").ToString());
        return (page, errors);
    }

    /// <summary>Signs in with the Development token button as <paramref name="user"/> and creates a session; its id.</summary>
    private static async Task<string> SignInAndCreateASessionAsync(IPage page, string user)
    {
        await page.FillAsync("#dev-sub", user);
        await page.ClickAsync("#dev-token");
        await Expect(page.Locator("#status")).ToContainTextAsync("Signed in");
        await page.ClickAsync("#new-session");
        await Expect(page.Locator("#sessions li")).ToHaveCountAsync(1);
        return (await page.Locator("#sessions li.selected").GetAttributeAsync("data-id"))!;
    }

    private static async Task SendAsync(IPage page, string text)
    {
        await page.FillAsync("#message", text);
        await page.ClickAsync("#send");
    }

    private static Task WaitForStreamingTextAsync(IPage page) =>
        page.WaitForFunctionAsync("() => (document.querySelector('#items li.assistant_message.streaming')?.textContent.length ?? 0) > 30");

    private static string TextOf(JsonNode message) =>
        string.Join("\n", message["content"]!.AsArray().Select(c => c!["text"]!.GetValue<string>()));

    private static Task ShotAsync(IPage page, string name) => Chromium.ScreenshotAsync(page, "playground", name);
}
