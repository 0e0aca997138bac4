using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;
using DotNet.Testcontainers.Networks;

namespace Integration.Tests.Containers;

/// <summary>
/// The four services as containers built from their own Dockerfiles (as docker-compose.yml runs them), on one
/// network, with the tiny checkpoint mounted read-only. Needs a Docker engine and the .NET base images; on a
/// machine without a registry, tools/docker/local-base-images.sh makes them (.ci/run does both).
/// </summary>
public sealed class ContainerSystem : IAsyncLifetime
{
    private const int GatewayHttpPort = 8000;
    private readonly List<IContainer> _containers = [];
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

    public Uri ApiBase => new($"http://{Gateway.Hostname}:{Gateway.GetMappedPublicPort(GatewayHttpPort)}/v1");

    public async Task InitializeAsync()
    {
        var make = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), "make-model", "--out", ModelDirectory, "--preset", "tiny", "--seed", "0");
        if (make.ExitCode != 0) throw new InvalidOperationException($"make-model failed: {make.Stderr}");

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        var tokenizerImage = await BuildImageAsync("services/tokenizer/Dockerfile", "tokenizer", timeout.Token);
        var workerImage = await BuildImageAsync("services/npu-worker/Dockerfile", "npu-worker", timeout.Token);
        var schedulerImage = await BuildImageAsync("services/scheduler/Dockerfile", "scheduler", timeout.Token);
        var gatewayImage = await BuildImageAsync("services/openai-gateway/Dockerfile", "openai-gateway", timeout.Token);

        _network = new NetworkBuilder().WithName("inference-test-" + Guid.NewGuid().ToString("N")[..12]).Build();
        await _network.CreateAsync(timeout.Token);

        await StartAsync(new ContainerBuilder(tokenizerImage)
            .WithNetwork(_network).WithNetworkAliases("tokenizer")
            .WithBindMount(ModelDirectory, "/model", AccessMode.ReadOnly)
            .WithEnvironment("Tokenizer__ModelPath", "/model"), timeout.Token);
        await StartAsync(new ContainerBuilder(workerImage)
            .WithNetwork(_network).WithNetworkAliases("npu-worker")
            .WithBindMount(ModelDirectory, "/model", AccessMode.ReadOnly)
            .WithEnvironment("Worker__ModelPath", "/model")
            .WithEnvironment("Worker__SchedulerAddress", "http://scheduler:50052")
            .WithEnvironment("Worker__KvCacheMiB", "64"), timeout.Token);
        await StartAsync(new ContainerBuilder(schedulerImage)
            .WithNetwork(_network).WithNetworkAliases("scheduler")
            .WithEnvironment("Scheduler__TokenizerAddress", "http://tokenizer:50051"), timeout.Token);
        Gateway = await StartAsync(new ContainerBuilder(gatewayImage)
            .WithNetwork(_network).WithNetworkAliases("openai-gateway")
            .WithEnvironment("Gateway__SchedulerAddress", "http://scheduler:50052")
            .WithEnvironment("Gateway__TokenizerAddress", "http://tokenizer:50051")
            .WithPortBinding(GatewayHttpPort, assignRandomHostPort: true)
            // /health answers 200 only once the scheduler serves from a registered, warmed-up worker.
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(GatewayHttpPort).ForPath("/health"))),
            timeout.Token);
    }

    public async Task DisposeAsync()
    {
        foreach (var container in Enumerable.Reverse(_containers)) await container.DisposeAsync();
        if (_network is not null) await _network.DisposeAsync();
        foreach (var image in _images) await image.DisposeAsync();
        if (Directory.Exists(ModelDirectory)) Directory.Delete(ModelDirectory, recursive: true);
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
