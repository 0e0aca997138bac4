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
    private const string UrlsVariable = "ASPNETCORE_URLS";
    private static readonly TimeSpan ListenTimeout = TimeSpan.FromMinutes(2);
    private readonly CancellationTokenSource _shutdown;

    /// <summary>The gateway's API key, which serve's own /v1 call must carry too; null when none is set.</summary>
    private string? _apiKey;

    /// <summary>Where serve reaches the gateway (loopback, or the one address it listens on).</summary>
    private string _clientHost = "127.0.0.1";

    private LocalCluster(CancellationToken shutdown) =>
        _shutdown = CancellationTokenSource.CreateLinkedTokenSource(shutdown);

    /// <summary>The OpenAI API's port (the one the OS chose when the options asked for port 0).</summary>
    public int HttpPort { get; private set; }

    public int GrpcPort { get; private set; }

    public string ApiBase => $"http://{_clientHost}:{HttpPort}/v1";

    /// <summary>The scheduler's own address (its gRPC services and <c>GET /metrics</c>).</summary>
    public string SchedulerUrl { get; private set; } = "";

    /// <summary>Each service's current process id, by service name (a restarted service shows its new process).</summary>
    public IReadOnlyDictionary<string, int> ProcessIds => _processIds;

    /// <summary>
    /// Starts every service. Each internal service binds port 0 (the OS picks a free port as it binds) and is started
    /// once the services it calls have reported where they listen: a port chosen in advance can be taken by any
    /// other socket before the service binds it, and then that service cannot start.
    /// </summary>
    /// <param name="servedModelName">The name /v1/models reports and requests must use (the scheduler's and workers' ServedModelName).</param>
    /// <param name="workerListening">Called with the worker's index, address and process once it listens, at start and after every restart.</param>
    /// <param name="shutdown">Cancelled when `serve` is told to stop: from then on no service is restarted.</param>
    /// <exception cref="ServiceExitedException">A service exited before it listened (its log says why).</exception>
    public static async Task<LocalCluster> StartAsync(ServeOptions options, string servedModelName, ServiceBinaries binaries,
        TextWriter log, Action<int, string, ServiceProcess> workerListening, CancellationToken shutdown)
    {
        var cluster = new LocalCluster(shutdown);
        var model = Path.GetFullPath(options.ModelDirectory);
        try
        {
            var tokenizer = new Dictionary<string, string> { ["Tokenizer__ModelPath"] = model };
            if (options.ChatTemplate is { } template) tokenizer["Tokenizer__ChatTemplate"] = template;
            var tokenizerUrl = await cluster.StartOnFreePortAsync(log, "tokenizer", binaries.Tokenizer, tokenizer);

            var workers = Enumerable.Range(0, options.Workers).Select(i =>
            {
                var worker = new Dictionary<string, string>
                {
                    ["Worker__ModelPath"] = model,
                    ["Worker__Threads"] = Invariant(options.EffectiveThreadsPerWorker),
                    ["Worker__ServedModelName"] = servedModelName,
                };
                if (options.KvCacheMiB is { } mib) worker["Worker__KvCacheMiB"] = Invariant(mib);
                if (options.BlockSize is { } blockSize) worker["Worker__BlockSize"] = Invariant(blockSize);
                if (options.Quantization is { } quantization) worker["Worker__Quantization"] = quantization;
                if (options.KvCacheDtype is { } kvCacheDtype) worker["Worker__KvCacheDtype"] = kvCacheDtype;
                if (options.PoolerConfig is { } pooler) worker["Worker__PoolerConfig"] = pooler;
                if (options.HfOverrides is { } overrides) worker["Worker__HfOverrides"] = overrides;
                if (options.LoraModules is { Count: > 0 } adapters)
                    worker["Worker__LoraModules"] = string.Join(' ', adapters.Select(a => $"{a.Name}={a.Path}"));
                return cluster.StartOnFreePortAsync(log, $"npu-worker-{i}", binaries.Worker, worker, (url, p) => workerListening(i, url, p));
            });
            var workerUrls = await Task.WhenAll(workers.ToList());

            var scheduler = new Dictionary<string, string>
            {
                ["Scheduler__TokenizerAddress"] = tokenizerUrl,
                ["Scheduler__ServedModelName"] = servedModelName,
            };
            for (var i = 0; i < workerUrls.Length; i++) scheduler[$"Scheduler__WorkerAddresses__{i}"] = workerUrls[i];
            if (options.MaxConcurrentRequests is { } max) scheduler["Scheduler__MaxConcurrentRequests"] = Invariant(max);
            if (options.MaxModelLength is { } length) scheduler["Scheduler__MaxModelLength"] = Invariant(length);
            if (options.MaxNumSeqs is { } seqs) scheduler["Scheduler__MaxNumSeqs"] = Invariant(seqs);
            if (options.MaxNumBatchedTokens is { } tokens) scheduler["Scheduler__MaxNumBatchedTokens"] = Invariant(tokens);
            if (options.EnablePrefixCaching is { } caching) scheduler["Scheduler__EnablePrefixCaching"] = caching ? "true" : "false";
            if (options.EnablePromptEmbeds) scheduler["Scheduler__EnablePromptEmbeds"] = "true";
            if (options.LogStats is { } logStats) scheduler["Scheduler__LogStats"] = logStats ? "true" : "false";
            // Adapters loaded at run time (/v1/load_lora_adapter, with VLLM_ALLOW_RUNTIME_LORA_UPDATING, which every
            // service inherits from serve's environment) are checked by the scheduler.
            if (options.MaxLoraRank is { } maxLoraRank) scheduler["Scheduler__MaxLoraRank"] = Invariant(maxLoraRank);
            if (options.MaxLoras is { } maxLoras) scheduler["Scheduler__MaxLoras"] = Invariant(maxLoras);
            if (options.SpeculativeConfig is { } speculative) scheduler["Scheduler__SpeculativeConfig"] = speculative;
            cluster.SchedulerUrl = await cluster.StartOnFreePortAsync(log, "scheduler", binaries.Scheduler, scheduler);

            cluster._apiKey = options.ApiKey;
            cluster._clientHost = options.ClientUrlHost;
            await cluster.StartGatewayAsync(log, binaries.Gateway, options.HttpPort, tokenizerUrl, options);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
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
                using var response = await http.GetAsync($"http://{_clientHost}:{HttpPort}/health", deadline.Token);
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
        if (_apiKey is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", _apiKey);
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

    /// <summary>
    /// Starts a service on port 0 and returns the address it bound, which its restarts bind again;
    /// <paramref name="listening"/> is called with that address and the process at start and after every restart.
    /// </summary>
    private async Task<string> StartOnFreePortAsync(TextWriter log, string name, string executable,
        Dictionary<string, string> environment, Action<string, ServiceProcess>? listening = null)
    {
        environment[UrlsVariable] = "http://127.0.0.1:0";
        var url = ""; // Set before restarts are enabled (after start-up), so every restart sees it.
        var supervisor = Add(log, new ServiceSpec(name, executable, environment), process =>
        {
            if (url.Length > 0 && listening is not null)
                process.Addresses.ContinueWith(_ => listening(url, process), TaskContinuationOptions.OnlyOnRanToCompletion);
        });
        var addresses = await WaitForAddressesAsync(supervisor.First);
        url = addresses[0].GetLeftPart(UriPartial.Authority);
        supervisor.SetForRestarts(UrlsVariable, url);
        listening?.Invoke(url, supervisor.First);
        return url;
    }

    /// <summary>
    /// The gateway: the OpenAI API on <paramref name="httpPort"/> (0: any free port) and the gRPC front door on a port
    /// chosen now. That one cannot be port 0 (the front door's routes are keyed by it), so if another socket takes it
    /// before the gateway binds, the gateway is started again on another.
    /// </summary>
    private async Task StartGatewayAsync(TextWriter log, string executable, int httpPort, string tokenizerUrl, ServeOptions options)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var grpcPort = FreePort.Next(1, [httpPort])[0];
            var gateway = new Dictionary<string, string>
            {
                [UrlsVariable] = $"http://{options.UrlHost}:{httpPort}",
                ["Gateway__SchedulerAddress"] = SchedulerUrl,
                ["Gateway__TokenizerAddress"] = tokenizerUrl,
                ["Gateway__GrpcPort"] = Invariant(grpcPort),
            };
            if (options.ReasoningParser is { } parser) gateway["Gateway__ReasoningParser"] = parser;
            if (options.ApiKey is { } key) gateway["Gateway__ApiKey"] = key;
            if (options.TrustRequestChatTemplate) gateway["Gateway__TrustRequestChatTemplate"] = "true";
            var supervisor = Add(log, new ServiceSpec("openai-gateway", executable, gateway));
            try
            {
                var addresses = await WaitForAddressesAsync(supervisor.First);
                HttpPort = addresses.First(address => address.Port != grpcPort).Port;
                GrpcPort = grpcPort;
                supervisor.SetForRestarts(UrlsVariable, $"http://{options.UrlHost}:{HttpPort}");
                return;
            }
            catch (ServiceExitedException exited) when (attempt < attempts && (exited.PortInUse == grpcPort || !FreePort.IsAvailable(grpcPort)))
            {
                // Whoever took the port may have let it go again by now (an outgoing connection's ephemeral port, say),
                // so the gateway's own "address already in use" line counts as well as the port still being taken.
                log.WriteLine($"[serve] port {grpcPort} was taken before openai-gateway bound it; starting the gateway again on another");
                _services.Remove(supervisor);
                await supervisor.DisposeAsync();
            }
        }
    }

    private async Task<IReadOnlyList<Uri>> WaitForAddressesAsync(ServiceProcess process)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(ListenTimeout);
        try
        {
            return await process.Addresses.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!_shutdown.IsCancellationRequested)
        {
            throw new TimeoutException($"the {process.Name} service did not start listening within {ListenTimeout.TotalSeconds:F0} s");
        }
    }

    private Supervisor Add(TextWriter log, ServiceSpec spec, Action<ServiceProcess>? started = null)
    {
        var supervisor = Supervisor.Start(spec, RestartBackoff.Default(), log, process =>
        {
            _processIds[spec.Name] = process.Id;
            started?.Invoke(process);
        }, _shutdown.Token);
        _services.Add(supervisor);
        return supervisor;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
