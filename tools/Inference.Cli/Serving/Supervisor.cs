using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Inference.Cli.Serving;

/// <summary>
/// Keeps one service running, as compose's <c>restart:</c> policy does: when its process exits on its own, logs one
/// line (service, exit code, attempt, delay) and starts it again, same executable, port and environment, after a
/// <see cref="RestartBackoff"/> delay. Until <see cref="TryEnableRestarts"/> (that is, during start-up) an exit is
/// recorded instead of restarted, so a service that cannot start (a bad model folder) fails <c>serve</c> at once
/// instead of looping. Nothing restarts once stopping began: <see cref="DisposeAsync"/> or the shutdown token.
/// </summary>
public sealed class Supervisor : IAsyncDisposable
{
    private ServiceSpec _spec;
    private readonly RestartBackoff _backoff;
    private readonly TextWriter _log;
    private readonly Action<ServiceProcess> _started;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _noMoreRestarts;
    private readonly Lock _gate = new();
    private readonly Task _loop;
    private bool _restartsEnabled;
    private int? _startupExitCode;

    private Supervisor(ServiceSpec spec, RestartBackoff backoff, TextWriter log, Action<ServiceProcess> started,
        ServiceProcess first, CancellationToken shutdown)
    {
        _spec = spec;
        _backoff = backoff;
        _log = log;
        _started = started;
        _noMoreRestarts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, shutdown);
        First = first;
        _loop = SuperviseAsync(first);
    }

    public string Name => _spec.Name;

    /// <summary>The process <see cref="Start"/> started.</summary>
    public ServiceProcess First { get; }

    /// <summary>
    /// Sets one environment variable for every later restart: a service first started on port 0 restarts on the
    /// port it bound, because the others were given that address.
    /// </summary>
    public void SetForRestarts(string variable, string value)
    {
        lock (_gate)
        {
            _spec = _spec with { Environment = new Dictionary<string, string>(_spec.Environment) { [variable] = value } };
        }
    }

    /// <summary>The exit code of a process that exited before restarts were enabled; null while none did.</summary>
    public int? StartupExitCode
    {
        get { lock (_gate) return _startupExitCode; }
    }

    /// <summary>
    /// Starts the service's process now (throws when it cannot, for example when it is not built), calls
    /// <paramref name="started"/> with it and with every restarted process, and supervises it until disposed.
    /// </summary>
    /// <param name="shutdown">Cancelled when the whole system stops: an exit after that is expected, not restarted.</param>
    public static Supervisor Start(ServiceSpec spec, RestartBackoff backoff, TextWriter log, Action<ServiceProcess> started,
        CancellationToken shutdown)
    {
        var first = ServiceProcess.Start(spec, log);
        started(first);
        return new Supervisor(spec, backoff, log, started, first, shutdown);
    }

    /// <summary>From now on an exit is restarted. False when the process already exited during start-up.</summary>
    public bool TryEnableRestarts()
    {
        lock (_gate)
        {
            _restartsEnabled = _startupExitCode is null;
            return _restartsEnabled;
        }
    }

    /// <summary>Stops supervising, then stops the process (SIGTERM, SIGKILL after a grace period).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _noMoreRestarts.Dispose();
        _stop.Dispose();
    }

    private async Task SuperviseAsync(ServiceProcess first)
    {
        ServiceProcess? process = first;
        var startedAt = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                string ended;
                if (process is null)
                {
                    ended = "could not be started";
                }
                else
                {
                    await process.WaitForExitAsync(_stop.Token);
                    ended = $"(pid {process.Id}) exited with code {Describe(process.ExitCode)}";
                    lock (_gate)
                    {
                        if (!_restartsEnabled && !NoMoreRestarts)
                        {
                            _startupExitCode = process.ExitCode;
                            return;
                        }
                    }
                    await process.DisposeAsync();
                    process = null;
                }
                if (NoMoreRestarts) return;

                var (attempt, delay) = _backoff.Next(Stopwatch.GetElapsedTime(startedAt));
                _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[serve] {_spec.Name} {ended}; restarting it in {delay.TotalSeconds:0.0##} s (attempt {attempt})"));
                await Task.Delay(delay, _noMoreRestarts.Token);

                startedAt = Stopwatch.GetTimestamp();
                try
                {
                    ServiceSpec spec;
                    lock (_gate) spec = _spec;
                    process = ServiceProcess.Start(spec, _log);
                    _started(process);
                }
                catch (Exception e) when (e is FileNotFoundException or Win32Exception)
                {
                    _log.WriteLine($"[serve] {_spec.Name}: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (NoMoreRestarts)
        {
        }
        finally
        {
            if (process is not null) await process.DisposeAsync();
        }
    }

    /// <summary>
    /// Stopping began. Read from both sources: <see cref="DisposeAsync"/>'s CancelAsync sets <c>_stop</c> at once but
    /// runs its callbacks, the linked <c>_noMoreRestarts</c> among them, on the thread pool, so a wait cancelled by
    /// <c>_stop</c> could resume before <c>_noMoreRestarts</c> said so (its cancellation then escaped the loop).
    /// </summary>
    private bool NoMoreRestarts => _stop.IsCancellationRequested || _noMoreRestarts.IsCancellationRequested;

    /// <summary>The code, and the signal where it reads as the shell's 128 + N for a process a signal ended.</summary>
    private static string Describe(int exitCode) =>
        exitCode is > 128 and < 128 + 32 ? $"{exitCode} (signal {exitCode - 128})" : exitCode.ToString(CultureInfo.InvariantCulture);
}
