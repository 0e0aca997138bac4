using System.Net;
using System.Text.Json;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;
using DotNet.Testcontainers.Networks;
using Grpc.Net.Client;
using Inference.Contracts.Scheduler.V1;

namespace Integration.Tests.Containers;

/// <summary>
/// The four services as containers built from their own Dockerfiles (as docker-compose.yml runs them), on one
/// network, with the tiny checkpoint mounted read-only and <see cref="WorkerCount"/> npu-worker containers that
/// register themselves with the scheduler (as <c>docker compose up --scale npu-worker=2</c>). Started once for the
/// container tests (<see cref="ContainerCollection"/>). Needs a Docker engine and the .NET base images; on a machine
/// without a registry, tools/docker/local-base-images.sh makes them (.ci/run does both).
/// </summary>
public sealed class ContainerSystem : IAsyncLifetime
{
    public const int WorkerCount = 2;
    private const int GatewayHttpPort = 8000;
    private const int GatewayGrpcPort = 8001;
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan HttpTimeout = TimeSpan.FromSeconds(30);
    private readonly List<IContainer> _containers = [];
    private readonly List<IContainer> _workers = [];
    private readonly List<IFutureDockerImage> _images = [];
    private INetwork? _network;

    static ContainerSystem()
    {
        // Debian's engine speaks API 1.41, and Testcontainers' reaper image cannot be pulled without a registry;
        // the containers are removed in DisposeAsync instead.
        SetDefault("DOCKER_API_VERSION", "1.41");
        SetDefault("TESTCONTAINERS_RYUK_DISABLED", "true");
    }

    public string ModelDirectory { get; } = Path.Combine(Path.GetTempPath(), "container-model-" + Guid.NewGuid().ToString("N"));

    public IContainer Gateway { get; private set; } = null!;

    /// <summary>The worker containers, in start order.</summary>
    public IReadOnlyList<IContainer> Workers => _workers;

    public Uri GatewayBase => new($"http://{Gateway.Hostname}:{Gateway.GetMappedPublicPort(GatewayHttpPort)}");

    public Uri ApiBase => new(GatewayBase, "/v1");

    public async Task InitializeAsync()
    {
        var make = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), "make-model", "--out", ModelDirectory, "--preset", "tiny", "--seed", "0");
        if (make.ExitCode != 0) throw new InvalidOperationException($"make-model failed: {make.Stderr}");

        using var building = new CancellationTokenSource(BuildTimeout);
        var tokenizerImage = await BuildImageAsync("services/tokenizer/Dockerfile", "tokenizer", building.Token);
        var workerImage = await BuildImageAsync("services/npu-worker/Dockerfile", "npu-worker", building.Token);
        var schedulerImage = await BuildImageAsync("services/scheduler/Dockerfile", "scheduler", building.Token);
        var gatewayImage = await BuildImageAsync("services/openai-gateway/Dockerfile", "openai-gateway", building.Token);

        using var starting = new CancellationTokenSource(StartTimeout);
        _network = new NetworkBuilder().WithName("inference-test-" + Guid.NewGuid().ToString("N")[..12]).Build();
        await _network.CreateAsync(starting.Token);

        await StartAsync(new ContainerBuilder(tokenizerImage)
            .WithNetwork(_network).WithNetworkAliases("tokenizer")
            .WithBindMount(ModelDirectory, "/model", AccessMode.ReadOnly)
            .WithEnvironment("Tokenizer__ModelPath", "/model"), starting.Token);
        for (var i = 0; i < WorkerCount; i++)
        {
            // Each worker advertises its container host name, which the network resolves, as compose's replicas do.
            _workers.Add(await StartAsync(new ContainerBuilder(workerImage)
                .WithNetwork(_network).WithNetworkAliases("npu-worker")
                .WithBindMount(ModelDirectory, "/model", AccessMode.ReadOnly)
                .WithEnvironment("Worker__ModelPath", "/model")
                .WithEnvironment("Worker__SchedulerAddress", "http://scheduler:50052")
                .WithEnvironment("Worker__KvCacheMiB", "64")
                // Stopping a worker kills it (SIGKILL at once, no graceful shutdown), as a crash would.
                .WithCreateParameterModifier(parameters => parameters.StopSignal = "SIGKILL"), starting.Token));
        }

        await StartAsync(new ContainerBuilder(schedulerImage)
            .WithNetwork(_network).WithNetworkAliases("scheduler")
            .WithEnvironment("Scheduler__TokenizerAddress", "http://tokenizer:50051"), starting.Token);
        Gateway = await StartAsync(new ContainerBuilder(gatewayImage)
            .WithNetwork(_network).WithNetworkAliases("openai-gateway")
            .WithEnvironment("Gateway__SchedulerAddress", "http://scheduler:50052")
            .WithEnvironment("Gateway__TokenizerAddress", "http://tokenizer:50051")
            .WithPortBinding(GatewayHttpPort, assignRandomHostPort: true)
            .WithPortBinding(GatewayGrpcPort, assignRandomHostPort: true)
            // /health answers 200 only once the scheduler serves from a registered, warmed-up worker.
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(GatewayHttpPort).ForPath("/health"))),
            starting.Token);
        await WaitForReadyWorkersAsync(WorkerCount, starting.Token);
    }

    public async Task DisposeAsync()
    {
        foreach (var container in Enumerable.Reverse(_containers)) await container.DisposeAsync();
        if (_network is not null) await _network.DisposeAsync();
        foreach (var image in _images) await image.DisposeAsync();
        if (Directory.Exists(ModelDirectory)) Directory.Delete(ModelDirectory, recursive: true);
    }

    /// <summary>An HTTP client for the gateway's port (the OpenAI API under /v1, /health, /metrics).</summary>
    public HttpClient CreateHttpClient() => new() { BaseAddress = GatewayBase, Timeout = HttpTimeout };

    /// <summary>Ready workers as the gateway's /health counts them (<c>{"status":"ok","workers":N}</c>); 0 on a 503.</summary>
    public async Task<int> ReadyWorkersAsync(CancellationToken cancellationToken)
    {
        using var http = CreateHttpClient();
        using var response = await http.GetAsync("/health", cancellationToken);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable) return 0;
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("workers").GetInt32();
    }

    /// <summary>The gateway's GET /metrics: its own series and the scheduler's, in the Prometheus text format.</summary>
    public async Task<string> ReadMetricsAsync(CancellationToken cancellationToken)
    {
        using var http = CreateHttpClient();
        return await http.GetStringAsync("/metrics", cancellationToken);
    }

    /// <summary>The scheduler's view of its workers (GetStatus through the gateway's gRPC front door).</summary>
    public async Task<IReadOnlyList<WorkerStatus>> ReadWorkerStatusAsync(CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress($"http://{Gateway.Hostname}:{Gateway.GetMappedPublicPort(GatewayGrpcPort)}");
        var status = await new Generation.GenerationClient(channel).GetStatusAsync(new GetStatusRequest(), cancellationToken: cancellationToken);
        return status.Workers;
    }

    /// <summary>The worker container behind a worker's address: a worker advertises its host name, which Docker
    /// sets to the first 12 characters of the container's id.</summary>
    public IContainer WorkerContainer(WorkerStatus worker)
    {
        var host = new Uri(worker.Address).Host;
        return _workers.Single(container => container.Id.StartsWith(host, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Pauses a container, trying again when the runtime could not freeze it: runc gives up when the cgroup freezer
    /// has not settled within its own retries (a loaded machine, threads spinning on the CPU; seen once in CI as
    /// "OCI runtime pause failed: unable to freeze") and leaves the container running, so a second try is safe.
    /// </summary>
    private static async Task PauseAsync(IContainer container, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await container.PauseAsync(cancellationToken);
                return;
            }
            catch (Docker.DotNet.DockerApiException e) when (attempt < attempts && e.Message.Contains("unable to freeze", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }

    /// <summary>
    /// The worker container holding the most requests, caught mid-generation: every worker container is paused first,
    /// so none can finish its requests while the status is read, then the others are unpaused and the busiest is left
    /// paused for the caller (Docker kills a paused container). Read without the pause, the status could come back
    /// after a fast model had finished the burst. Fails when no worker holds a request, as then nothing could be tested.
    /// </summary>
    public async Task<(WorkerStatus Worker, IContainer Container)> PauseBusiestWorkerAsync(CancellationToken cancellationToken)
    {
        foreach (var worker in _workers) await PauseAsync(worker, cancellationToken);
        WorkerStatus busiest;
        try
        {
            var workers = await ReadWorkerStatusAsync(cancellationToken);
            Assert.Equal(WorkerCount, workers.Count);
            busiest = workers.MaxBy(w => w.NumRunning + w.NumWaiting)!;
        }
        catch
        {
            foreach (var worker in _workers) await worker.UnpauseAsync(CancellationToken.None);
            throw;
        }

        var paused = WorkerContainer(busiest);
        foreach (var worker in _workers.Where(w => w != paused)) await worker.UnpauseAsync(cancellationToken);
        if (busiest.NumRunning + busiest.NumWaiting == 0)
        {
            await paused.UnpauseAsync(cancellationToken);
            Assert.Fail($"no worker held a request once every stream had its first text: {busiest}");
        }

        return (busiest, paused);
    }

    /// <summary>Kills a worker container: SIGKILL, no shutdown, its connections dropped mid-step.</summary>
    public Task KillAsync(IContainer worker, CancellationToken cancellationToken) => worker.StopAsync(cancellationToken);

    private async Task WaitForReadyWorkersAsync(int count, CancellationToken cancellationToken)
    {
        while (await ReadyWorkersAsync(cancellationToken) < count)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private async Task<IFutureDockerImage> BuildImageAsync(string dockerfile, string name, CancellationToken cancellationToken)
    {
        var image = new ImageFromDockerfileBuilder()
            .WithDockerfileDirectory(CliProgram.RepositoryRoot)
            .WithDockerfile(dockerfile)
            .WithName($"inference/{name}:integration-test")
            .WithCleanUp(false)
            .Build();
        _images.Add(image);
        await image.CreateAsync(cancellationToken);
        return image;
    }

    private async Task<IContainer> StartAsync(ContainerBuilder builder, CancellationToken cancellationToken)
    {
        var container = builder.Build();
        _containers.Add(container);
        await container.StartAsync(cancellationToken);
        return container;
    }

    private static void SetDefault(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) Environment.SetEnvironmentVariable(name, value);
    }
}
