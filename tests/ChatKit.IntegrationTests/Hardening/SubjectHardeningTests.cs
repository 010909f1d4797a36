using System.Net.Http.Headers;
using ChatKit.Api.Auth;
using ChatKit.Api.Options;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace ChatKit.IntegrationTests.Hardening;

/// <summary>A validly signed token whose subject holds characters no user id may hold, and what it does to everyone else.</summary>
public sealed class SubjectHardeningTests
{
    private static string TokenFor(string sub) =>
        JwtSetup.CreateToken(new JwtSettings { Secret = ChatKitFactory.Secret }, sub, TimeSpan.FromMinutes(10), TimeProvider.System);

    [TestCase("x\u0000y")]
    [TestCase("tab\there")]
    [TestCase("line\nbreak")]
    [TestCase("\u007fdel")]
    public async Task Subject_WithControlOrUnstorableCharacters_Is401WithADescription(string sub)
    {
        using var client = AssemblySetup.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(sub));

        foreach (var response in new[] { await client.GetAsync(ChatApi.Sessions), await client.PostAsync(ChatApi.Sessions, null) })
        {
            await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
            Assert.That(
                response.Headers.WwwAuthenticate.ToString(),
                Is.EqualTo("Bearer error=\"invalid_token\", error_description=\"The token's sub claim is not a usable user id\""));
        }
    }

    [Test]
    public async Task Subject_OfUnicodeLettersUpTo200Units_IsAccepted_AndStoredInSessionsAndTasks()
    {
        using var client = AssemblySetup.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor("Zoë-😀-" + new string('a', 190)));

        using var response = await client.PostAsync(ChatApi.Sessions, null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        using var task = await client.PostAsync("/api/v1/tasks", System.Net.Http.Json.JsonContent.Create(new { title = "long id" }));
        Assert.That(task.IsSuccessStatusCode, Is.True, await task.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task HostileSubjects_DoNotFailOtherUsersRequests()
    {
        var logs = new CapturingSink();
        await using var app = new ChatKitFactory(ChatKitFactory.Settings(AssemblySetup.Upstream, ("MAX_SESSIONS_PER_USER", "0")))
        {
            TestServices = services => services.AddSingleton<ILogEventSink>(logs),
        };
        using var attacker = app.CreateClient();
        attacker.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor("x\u0000" + Guid.NewGuid()));
        using var user = app.ClientFor();
        await user.CreateSessionAsync();

        var attacks = Enumerable.Range(0, 80).Select(i => i % 2 == 0 ? attacker.GetAsync(ChatApi.Sessions) : attacker.PostAsync(ChatApi.Sessions, null));
        var ordinary = Enumerable.Range(0, 160).Select(i => i % 2 == 0 ? user.GetAsync(ChatApi.Sessions) : user.PostAsync(ChatApi.Sessions, null)).ToList();
        var attacked = await Task.WhenAll(attacks);
        var answered = await Task.WhenAll(ordinary);
        var after = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => user.GetAsync(ChatApi.Sessions)));

        Assert.That(attacked.Select(r => r.StatusCode).Distinct(), Is.EqualTo(new[] { HttpStatusCode.Unauthorized }));
        Assert.That(answered.Concat(after).Count(r => r.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Conflict)), Is.Zero,
            string.Join(", ", answered.Concat(after).Select(r => (int)r.StatusCode).Distinct()));
        Assert.That(logs.Events.Where(e => e.Level >= LogEventLevel.Error).Select(e => e.RenderMessage()), Is.Empty);
    }
}
