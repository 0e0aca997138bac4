using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Inference.Cli.Serving;

/// <summary>
/// The services as supervised local processes on loopback ports, wired to each other, started in dependency order:
/// tokenizer, the npu-workers, scheduler, openai-gateway. Once ready, a service that exits is restarted
/// (<see cref="Supervisor"/>); disposing stops them all in reverse order.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<Supervisor> _services = [];
    private readonly ConcurrentDictionary<string, int> _processIds = new();
    private readonly CancellationTokenSource _shutdown;

    private LocalCluster(int httpPort, int grpcPort, string schedulerUrl, CancellationToken shutdown)
    {
        HttpPort = httpPort;
        GrpcPort = grpcPort;
        SchedulerUrl = schedulerUrl;
        _shutdown = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public string ApiBase => $"http://127.0.0.1:{HttpPort}/v1";

    /// <summary>The scheduler's own address (its gRPC services and <c>GET /metrics</c>).</summary>
    public string SchedulerUrl { get; }

    /// <summary>Each service's current process id, by service name (a restarted service shows its new process).</summary>
    public IReadOnlyDictionary<string, int> ProcessIds => _processIds;

    /// <summary>Starts every service.</summary>
    /// <param name="servedModelName">The name /v1/models reports and requests must use (the scheduler's and workers' ServedModelName).</param>
    /// <param name="workerStarted">Called with the worker's index, address and process when it starts and restarts.</param>
    /// <param name="shutdown">Cancelled when `serve` is told to stop: from then on no service is restarted.</param>
    public static LocalCluster Start(ServeOptions options, string servedModelName, ServiceBinaries binaries, TextWriter log,
        Action<int, string, ServiceProcess> workerStarted, CancellationToken shutdown)
    {
        // Tokenizer, workers, scheduler, gRPC front door: all distinct, and none the HTTP port.
        var ports = FreePort.Next(options.Workers + 3, [options.HttpPort]);
        var tokenizerUrl = $"http://127.0.0.1:{ports[0]}";
        var workerUrls = Enumerable.Range(1, options.Workers).Select(i => $"http://127.0.0.1:{ports[i]}").ToList();
        var schedulerUrl = $"http://127.0.0.1:{ports[options.Workers + 1]}";
        var cluster = new LocalCluster(options.HttpPort, ports[options.Workers + 2], schedulerUrl, shutdown);
        var model = Path.GetFullPath(options.ModelDirectory);
        try
        {
            cluster.Add(log, new ServiceSpec("tokenizer", binaries.Tokenizer, new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = tokenizerUrl,
                ["Tokenizer__ModelPath"] = model,
            }));
            for (var i = 0; i < workerUrls.Count; i++)
            {
                var worker = new Dictionary<string, string>
                {
                    ["ASPNETCORE_URLS"] = workerUrls[i],
                    ["Worker__ModelPath"] = model,
                    ["Worker__Threads"] = Invariant(options.EffectiveThreadsPerWorker),
                    ["Worker__ServedModelName"] = servedModelName,
                };
                if (options.KvCacheMiB is { } mib) worker["Worker__KvCacheMiB"] = Invariant(mib);
                if (options.Quantization is { } quantization) worker["Worker__Quantization"] = quantization;
                var (index, url) = (i, workerUrls[i]);
                cluster.Add(log, new ServiceSpec($"npu-worker-{i}", binaries.Worker, worker), p => workerStarted(index, url, p));
            }
            var scheduler = new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = schedulerUrl,
                ["Scheduler__TokenizerAddress"] = tokenizerUrl,
                ["Scheduler__ServedModelName"] = servedModelName,
            };
            for (var i = 0; i < workerUrls.Count; i++) scheduler[$"Scheduler__WorkerAddresses__{i}"] = workerUrls[i];
            if (options.MaxConcurrentRequests is { } max) scheduler["Scheduler__MaxConcurrentRequests"] = Invariant(max);
            cluster.Add(log, new ServiceSpec("scheduler", binaries.Scheduler, scheduler));
            cluster.Add(log, new ServiceSpec("openai-gateway", binaries.Gateway, new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{options.HttpPort}",
                ["Gateway__SchedulerAddress"] = schedulerUrl,
                ["Gateway__TokenizerAddress"] = tokenizerUrl,
                ["Gateway__GrpcPort"] = Invariant(cluster.GrpcPort),
            }));
            return cluster;
        }
        catch
        {
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>
    /// Polls the gateway's /health (200 only when a request can be served end to end) until it answers 200, then
    /// arms restarts. A service that exits before that fails the start: it would most likely exit again.
    /// </summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            ThrowIfAnyExitedDuringStartup();
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{HttpPort}/health", deadline.Token);
                if (response.IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            // A connection the gateway drops the moment it is made (while it is still starting) surfaces from
            // HttpClient as a bare SocketException (ENOTCONN from the remote-endpoint lookup), not wrapped.
            catch (SocketException) { }
            catch (TaskCanceledException) when (!deadline.IsCancellationRequested) { }

            try
            {
                await Task.Delay(250, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the services were not ready within {timeout.TotalSeconds:F0} s");
            }
        }

        // A service that exited between the last check and now is reported here rather than restarted.
        foreach (var service in _services) service.TryEnableRestarts();
        ThrowIfAnyExitedDuringStartup();
    }

    /// <summary>The served model name, as /v1/models reports it.</summary>
    public async Task<string> ModelNameAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var models = await http.GetFromJsonAsync<JsonElement>($"{ApiBase}/models", cancellationToken);
        return models.GetProperty("data")[0].GetProperty("id").GetString() ?? "";
    }

    public async ValueTask DisposeAsync()
    {
        // No restarts from here on, then stop in reverse start order: the front door first, the tokenizer last.
        await _shutdown.CancelAsync();
        for (var i = _services.Count - 1; i >= 0; i--) await _services[i].DisposeAsync();
        _services.Clear();
        _shutdown.Dispose();
    }

    private void ThrowIfAnyExitedDuringStartup()
    {
        if (_services.FirstOrDefault(s => s.StartupExitCode is not null) is { } dead)
            throw new InvalidOperationException($"the {dead.Name} service exited with code {dead.StartupExitCode} during start-up (its log is above)");
    }

    private void Add(TextWriter log, ServiceSpec spec, Action<ServiceProcess>? started = null) =>
        _services.Add(Supervisor.Start(spec, RestartBackoff.Default(), log, process =>
        {
            _processIds[spec.Name] = process.Id;
            started?.Invoke(process);
        }, _shutdown.Token));

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
