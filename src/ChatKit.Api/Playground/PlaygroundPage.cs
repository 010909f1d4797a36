using System.Reflection;

namespace ChatKit.Api.Playground;

/// <summary>
/// <c>/playground</c>: one page and its script and style, embedded in the assembly so the service serves them with no
/// build step and no files beside it. Strict CSP: the page talks to this origin only and runs no inline script.
/// </summary>
public static class PlaygroundPage
{
    private const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly (string Path, string File, string ContentType)[] Files =
    [
        ("/playground", "index.html", "text/html; charset=utf-8"),
        ("/playground/playground.js", "playground.js", "text/javascript; charset=utf-8"),
        ("/playground/playground.css", "playground.css", "text/css; charset=utf-8"),
    ];

    /// <summary><c>PLAYGROUND_ENABLED</c>: on by default in Development only.</summary>
    public static bool Enabled(IConfiguration configuration, IHostEnvironment environment) =>
        Hosting.Settings.Flag(configuration, "PLAYGROUND_ENABLED", environment.IsDevelopment());

    public static void MapPlayground(this IEndpointRouteBuilder app)
    {
        foreach (var (path, file, contentType) in Files)
        {
            var bytes = Read(file);
            app.MapGet(path, (HttpContext context) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = Policy;
                headers.CacheControl = "no-cache";
                return Results.Bytes(bytes, contentType);
            }).DisableRateLimiting().ExcludeFromDescription();
        }
    }

    private static byte[] Read(string file)
    {
        var assembly = Assembly.GetExecutingAssembly();
        using var stream = assembly.GetManifestResourceStream($"ChatKit.Api.Playground.{file}")
            ?? throw new InvalidOperationException($"The playground's {file} is not embedded in {assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
