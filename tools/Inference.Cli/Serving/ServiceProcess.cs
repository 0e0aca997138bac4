using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Inference.Cli.Serving;

/// <summary>
/// One service running as a child process; its output is forwarded line by line with a name prefix, and the
/// addresses it bound are read from its "Listening on: ..." line (<see cref="Addresses"/>).
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    /// <summary>The setting that keeps the services' "Listening on" line in their log whatever the user's log levels.</summary>
    public const string ListeningLogLevelVariable = "Logging__LogLevel__Inference.ServiceDefaults.Hosting.ListeningAddressLog";

    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(10);
    private readonly Process _process;
    private readonly TaskCompletionSource<IReadOnlyList<Uri>> _addresses = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int? _portInUse;

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// The addresses the service bound, once it logged them; fails with <see cref="ServiceExitedException"/> when the
    /// process exits first (for example because a port it was given is taken).
    /// </summary>
    public Task<IReadOnlyList<Uri>> Addresses => _addresses.Task;

    public static ServiceProcess Start(ServiceSpec spec, TextWriter log)
    {
        var (name, executable, environment) = spec;
        if (!File.Exists(executable))
            throw new FileNotFoundException($"the {name} service is not built: {executable} is missing (run 'dotnet build Services.sln -c Release')", executable);

        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = Path.GetDirectoryName(executable)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        start.Environment[ListeningLogLevelVariable] = "Information";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data, log);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data, log);
        process.Exited += (_, _) => service.OnExited();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Completes when the process has exited (its output forwarded); throws when cancelled first.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>SIGTERM, so the service shuts down gracefully; SIGKILL if it has not exited in time.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
            using var timeout = new CancellationTokenSource(GracefulStop);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }

    /// <summary>
    /// Fails <see cref="Addresses"/> if the service never listened. The Exited event can come before the last lines
    /// of its output are read, so it waits for them first: the line that says which port was taken is among them.
    /// </summary>
    private void OnExited()
    {
        if (_addresses.Task.IsCompleted) return;
        int exitCode;
        try
        {
            _process.WaitForExit();
            exitCode = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            exitCode = -1; // Stopped and disposed by serve before this ran.
        }

        _addresses.TrySetException(new ServiceExitedException(Name, exitCode, _portInUse));
    }

    private void OnLine(string? line, TextWriter log)
    {
        if (line is null) return;
        log.WriteLine($"[{Name}] {line}");
        if (_portInUse is null && AddressInUseLine().Match(line) is { Success: true } taken)
        {
            _portInUse = int.Parse(taken.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!_addresses.Task.IsCompleted && ListeningLine().Match(line) is { Success: true } listening)
        {
            _addresses.TrySetResult(listening.Groups[1].Value.Split(", ").Select(address => new Uri(address)).ToList());
        }
    }

    /// <summary>What Inference.ServiceDefaults' ListeningAddressLog prints once Kestrel has bound.</summary>
    [GeneratedRegex(@"Listening on: (http://\S+(?:, http://\S+)*)\s*$")]
    private static partial Regex ListeningLine();

    /// <summary>What Kestrel logs when a socket of another process holds the port it was told to bind.</summary>
    [GeneratedRegex(@"Failed to bind to address http://\S+?:(\d+): address already in use")]
    private static partial Regex AddressInUseLine();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
