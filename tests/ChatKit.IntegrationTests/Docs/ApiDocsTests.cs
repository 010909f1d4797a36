using System.Text.Json.Nodes;

namespace ChatKit.IntegrationTests.Docs;

public sealed class ApiDocsTests
{
    [Test]
    public async Task OpenApi_DescribesEveryApiEndpointWithoutAToken_AndScalarServesIt()
    {
        using var anonymous = AssemblySetup.App.CreateClient();

        using var response = await anonymous.GetAsync("/openapi/v1.json");
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(document["openapi"]!.GetValue<string>(), Does.StartWith("3.1"));
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/api/v1/chatkit/sessions", "/api/v1/chatkit/sessions/{sessionId}", "/api/v1/chatkit/sessions/{sessionId}/threads",
            "/api/v1/chatkit/sessions/{sessionId}/threads/{threadId}/runs", "/api/v1/chatkit/sessions/{sessionId}/runs/{runId}/events",
            "/api/v1/chatkit/sessions/{sessionId}/runs/{runId}/cancel", "/api/v1/tasks", "/api/v1/tasks/{taskId}",
            "/api/v1/chatkit/usage", "/api/v1/chatkit",
        }));

        using var docs = await anonymous.GetAsync("/docs");
        Assert.That(docs.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(docs.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
    }

    [Test]
    public async Task ApiDocs_CanBeTurnedOff()
    {
        await using var app = ChatKitFactory.Create(null, ("API_DOCS_ENABLED", "false"));
        using var anonymous = app.CreateClient();

        Assert.That((await anonymous.GetAsync("/openapi/v1.json")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await anonymous.GetAsync("/docs")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
