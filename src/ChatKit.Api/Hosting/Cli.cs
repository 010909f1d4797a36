using ChatKit.Api.Auth;
using ChatKit.Api.Options;
using ChatKit.Infrastructure.Options;
using ChatKit.Infrastructure.Persistence;
using Microsoft.Extensions.Options;

namespace ChatKit.Api.Hosting;

/// <summary>
/// Commands besides serving: <c>token --sub alice [--minutes 60]</c> prints a JWT signed with the configured secret;
/// <c>migrate</c> applies the database migrations and exits.
/// </summary>
public static class Cli
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "token" or "migrate";

    public static async Task<int> RunAsync(string[] args, IServiceProvider services)
    {
        switch (args[0])
        {
            case "token":
                var sub = Option(args, "--sub");
                if (string.IsNullOrWhiteSpace(sub))
                {
                    await Console.Error.WriteLineAsync("usage: token --sub <user id> [--minutes N]").ConfigureAwait(false);
                    return 2;
                }

                var minutes = int.TryParse(Option(args, "--minutes"), out var m) && m > 0 ? m : 60 * 24;
                var jwt = services.GetRequiredService<IOptions<JwtSettings>>().Value;
                Console.WriteLine(JwtSetup.CreateToken(jwt, sub, TimeSpan.FromMinutes(minutes), TimeProvider.System));
                return 0;
            default:
                var db = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
                var applied = await Migrator.MigrateAsync(db.ConnectionString, CancellationToken.None).ConfigureAwait(false);
                Console.WriteLine(applied.Count == 0 ? "Database is up to date." : $"Applied: {string.Join(", ", applied)}");
                return 0;
        }
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
