using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Integration.Tests;

/// <summary>
/// The whole system, started once for the test class: a tiny random checkpoint made by `make-model`, then
/// `serve`, which runs the tokenizer, npu-worker(s), scheduler and openai-gateway as separate processes.
/// A subclass passes more `serve` options (for example --workers 2), may set environment variables that serve
/// passes on to the services (for example <c>Scheduler__StepTimeoutSeconds</c>), and may choose another checkpoint
/// (<see cref="MakeModelArguments"/>).
/// </summary>
public partial class ServedSystem : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private readonly StringBuilder _log = new();
    private readonly List<string> _lines = [];
    private readonly Dictionary<int, int> _workerPids = [];
    private readonly Dictionary<int, Uri> _workerAddresses = [];
    private readonly string[] _extraArguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Process? _serve;

    public ServedSystem() : this([]) { }

    protected ServedSystem(params string[] extraArguments) : this(new Dictionary<string, string>(), extraArguments) { }

    protected ServedSystem(IReadOnlyDictionary<string, string> environment, params string[] extraArguments)
    {
        _environment = environment;
        _extraArguments = extraArguments;
    }

    /// <summary>The environment variables serve gets beyond this process's: the constructor's, unless a subclass adds more.</summary>
    protected virtual IReadOnlyDictionary<string, string> ServeEnvironment => _environment;

    public string ModelDirectory { get; } = Path.Combine(Path.GetTempPath(), "integration-model-" + Guid.NewGuid().ToString("N"));

    /// <summary>The `make-model` options of the served checkpoint; default the tiny Qwen2 one (seed 0).</summary>
    protected virtual IReadOnlyList<string> MakeModelArguments => ["--preset", "tiny", "--seed", "0"];

    /// <summary>
    /// Runs after make-model and before serve: a subclass writes what its serve options name (for example LoRA
    /// adapters, under <see cref="ModelDirectory"/>'s sibling <see cref="ExtrasDirectory"/>) and returns those options.
    /// </summary>
    protected virtual Task<IReadOnlyList<string>> PrepareAsync() => Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>A folder beside the model for what <see cref="PrepareAsync"/> writes; deleted with the model.</summary>
    public string ExtrasDirectory => ModelDirectory + "-extras";

    /// <summary>Where <see cref="MakeLoraAsync"/> writes the adapter <paramref name="name"/>.</summary>
    public string AdapterPath(string name) => Path.Combine(ExtrasDirectory, name);

    /// <summary>A random PEFT LoRA adapter for the model (`make-lora` with <paramref name="options"/>), at <see cref="AdapterPath"/>.</summary>
    protected async Task MakeLoraAsync(string name, params string[] options)
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), ["make-lora", "--model", ModelDirectory, "--out", AdapterPath(name), .. options]);
        if (run.ExitCode != 0) throw new InvalidOperationException($"make-lora failed: {run.Stderr}");
    }

    /// <summary>The OpenAI API's port: serve is started with --port 0 and prints the one it bound in its ready line.</summary>
    public int HttpPort { get; private set; }

    public int GrpcPort { get; private set; }

    public string ModelName { get; private set; } = "";

    public Uri ApiBase => new($"http://127.0.0.1:{HttpPort}/v1");

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Lines serve printed so far (stdout and stderr, in arrival order); a mark for <see cref="WaitForLineAsync"/>.</summary>
    public int LineCount { get { lock (_log) return _lines.Count; } }

    /// <summary>Each worker's current process id, from serve's "worker I: pid P, URL" lines (printed again on restart).</summary>
    public IReadOnlyDictionary<int, int> WorkerPids { get { lock (_log) return new Dictionary<int, int>(_workerPids); } }

    /// <summary>Each worker's address, from the same lines.</summary>
    public IReadOnlyDictionary<int, Uri> WorkerAddresses { get { lock (_log) return new Dictionary<int, Uri>(_workerAddresses); } }

    public int ServePid => _serve?.Id ?? throw new InvalidOperationException("serve has not started");

    public bool ServeHasExited => _serve is null || _serve.HasExited;

    /// <summary>The first line at or after line <paramref name="fromLine"/> that matches; fails when serve exits or time runs out.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, int fromLine, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_log)
            {
                for (var i = fromLine; i < _lines.Count; i++)
                    if (pattern.Match(_lines[i]) is { Success: true } match) return match;
            }
            if (ServeHasExited) throw new InvalidOperationException($"serve exited while waiting for /{pattern}/:\n{Log}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no line matched /{pattern}/ within {timeout}:\n{Log}");
            await Task.Delay(100);
        }
    }

    public async Task InitializeAsync()
    {
        var make = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), ["make-model", "--out", ModelDirectory, .. MakeModelArguments]);
        if (make.ExitCode != 0) throw new InvalidOperationException($"make-model failed: {make.Stderr}");

        var prepared = await PrepareAsync();
        var start = CliProgram.StartInfo(["serve", "--model", ModelDirectory, "--port", "0", .. _extraArguments, .. prepared]);
        foreach (var (name, value) in ServeEnvironment) start.Environment[name] = value;
        _serve = Process.Start(start)!;
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
        if (Directory.Exists(ExtrasDirectory)) Directory.Delete(ExtrasDirectory, recursive: true);
    }

    private void OnLine(string? line, TaskCompletionSource ready)
    {
        if (line is null) return;
        lock (_log)
        {
            _log.AppendLine(line);
            _lines.Add(line);
            if (WorkerLine().Match(line) is { Success: true } worker)
            {
                _workerPids[int.Parse(worker.Groups[1].Value)] = int.Parse(worker.Groups[2].Value);
                _workerAddresses[int.Parse(worker.Groups[1].Value)] = new Uri(worker.Groups[3].Value);
            }
        }
        if (ServingLine().Match(line) is { Success: true } serving) ModelName = serving.Groups[1].Value;
        if (ApiLine().Match(line) is { Success: true } api)
        {
            HttpPort = int.Parse(api.Groups[1].Value);
            GrpcPort = int.Parse(api.Groups[2].Value);
            ready.TrySetResult();
        }
    }

    [GeneratedRegex(@"^worker (\d+): pid (\d+), (http://127\.0\.0\.1:\d+)$")]
    private static partial Regex WorkerLine();

    [GeneratedRegex(@"^serving (\S+) from ")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"^OpenAI API: http://127\.0\.0\.1:(\d+)/v1 .*front door: 127\.0\.0\.1:(\d+)")]
    private static partial Regex ApiLine();
}
