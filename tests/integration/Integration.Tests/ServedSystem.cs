using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Integration.Tests;

/// <summary>
/// The whole system, started once for the test class: a tiny random checkpoint made by `make-model`, then
/// `serve`, which runs the tokenizer, npu-worker, scheduler and openai-gateway as separate processes.
/// </summary>
public sealed partial class ServedSystem : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private readonly StringBuilder _log = new();
    private Process? _serve;

    public string ModelDirectory { get; } = Path.Combine(Path.GetTempPath(), "integration-model-" + Guid.NewGuid().ToString("N"));

    public int HttpPort { get; } = FreePort();

    public int GrpcPort { get; private set; }

    public string ModelName { get; private set; } = "";

    public Uri ApiBase => new($"http://127.0.0.1:{HttpPort}/v1");

    public string Log { get { lock (_log) return _log.ToString(); } }

    public async Task InitializeAsync()
    {
        var make = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), "make-model", "--out", ModelDirectory, "--preset", "tiny", "--seed", "0");
        if (make.ExitCode != 0) throw new InvalidOperationException($"make-model failed: {make.Stderr}");

        _serve = Process.Start(CliProgram.StartInfo("serve", "--model", ModelDirectory, "--port", HttpPort.ToString()))!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _serve.OutputDataReceived += (_, e) => OnLine(e.Data, ready);
        _serve.ErrorDataReceived += (_, e) => OnLine(e.Data, ready);
        _serve.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"serve exited early:\n{Log}"));
        _serve.EnableRaisingEvents = true;
        _serve.BeginOutputReadLine();
        _serve.BeginErrorReadLine();

        await ready.Task.WaitAsync(StartTimeout);
    }

    public async Task DisposeAsync()
    {
        if (_serve is { HasExited: false })
        {
            // SIGTERM, as an operator would stop it; serve stops its children.
            using var kill = Process.Start("kill", ["-TERM", _serve.Id.ToString()]);
            await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _serve.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { _serve.Kill(entireProcessTree: true); }
        }
        _serve?.Dispose();
        if (Directory.Exists(ModelDirectory)) Directory.Delete(ModelDirectory, recursive: true);
    }

    private void OnLine(string? line, TaskCompletionSource ready)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
        if (ServingLine().Match(line) is { Success: true } serving) ModelName = serving.Groups[1].Value;
        if (ApiLine().Match(line) is { Success: true } api)
        {
            GrpcPort = int.Parse(api.Groups[1].Value);
            ready.TrySetResult();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^serving (\S+) from ")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"^OpenAI API: .*front door: 127\.0\.0\.1:(\d+)")]
    private static partial Regex ApiLine();
}
