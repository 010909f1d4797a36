using System.Diagnostics;

namespace ChatKit.IntegrationTests.Infrastructure;

/// <summary>
/// The npm-installed checkers in <c>tests/tools</c> (the OpenAPI linter, the Kubernetes schema check), installed once per
/// run with <c>npm ci</c> from the committed lock file, and any other command the tests run (kubectl, npm).
/// </summary>
public static class ExternalTools
{
    private static readonly Lazy<Task> Installed = new(() => RunCheckedAsync("npm", ["ci", "--no-audit", "--no-fund"], ToolsDirectory, TimeSpan.FromMinutes(5)));

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ToolsDirectory => Path.Combine(RepositoryRoot, "tests", "tools");

    public static Task EnsureInstalledAsync() => Installed.Value;

    public sealed record Outcome(int ExitCode, string Output);

    /// <summary>Runs a command to its end (killing it after <paramref name="timeout"/>); stdout and stderr together.</summary>
    public static async Task<Outcome> RunAsync(
        string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} took longer than {timeout}.");
        }

        return new Outcome(process.ExitCode, await stdout + await stderr);
    }

    public static async Task<string> RunCheckedAsync(string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var list = args.ToList();
        var outcome = await RunAsync(file, list, workingDirectory, timeout);
        return outcome.ExitCode == 0
            ? outcome.Output
            : throw new InvalidOperationException($"{file} {string.Join(' ', list)} failed ({outcome.ExitCode}):\n{outcome.Output}");
    }

    /// <summary>
    /// A program the tests need from the machine: the path in <paramref name="variable"/>, else <paramref name="standardPath"/>;
    /// missing, the test fails saying how to get it (it never skips).
    /// </summary>
    public static string Locate(string variable, string standardPath, string howToGetIt) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured ? configured
        : File.Exists(standardPath) ? standardPath
        : throw new InvalidOperationException($"No {standardPath}: {howToGetIt}, or set {variable}.");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ChatKit.sln not found above " + AppContext.BaseDirectory);
    }
}
