using System.Diagnostics;
using System.Text;

namespace Integration.Tests.Fleet;

/// <summary>One `serve` process started by a test that watches its start itself (unlike <see cref="ServedSystem"/>,
/// which waits for serve's ready line); disposing stops it as an operator would, with SIGTERM.</summary>
public sealed class ServeRun : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private bool _disposed;

    private ServeRun(Process process) => _process = process;

    public string Log { get { lock (_log) return _log.ToString(); } }

    public bool HasExited => _process.HasExited;

    public static ServeRun Start(params string[] args)
    {
        var run = new ServeRun(Process.Start(CliProgram.StartInfo(["serve", .. args]))!);
        run._process.OutputDataReceived += (_, e) => run.Append(e.Data);
        run._process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        run._process.BeginOutputReadLine();
        run._process.BeginErrorReadLine();
        return run;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited) Signals.Send(_process.Id, Signals.Terminate);
        using var cts = new CancellationTokenSource(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token); // Also reads its output to the end.
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }
}
