using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Integration.Tests;

/// <summary>The project's command-line program (tools/Inference.Cli), run as a child process.</summary>
public static class CliProgram
{
    public static string ExecutablePath
    {
        get
        {
            var metadata = typeof(CliProgram).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
            return Path.Combine(metadata["RepositoryRoot"]!, "tools", "Inference.Cli", "bin", metadata["Configuration"]!, "net10.0", "inference");
        }
    }

    public static string RepositoryRoot =>
        typeof(CliProgram).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    /// <summary>Runs a command to completion and returns its exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
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
            throw new TimeoutException($"inference {string.Join(' ', args)} did not finish within {timeout}; stderr: {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
