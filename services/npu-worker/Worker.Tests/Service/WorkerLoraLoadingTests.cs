using Grpc.Core;
using Inference.Contracts.Mapping;
using Inference.Contracts.Worker.V1;
using Inference.Testing.Checkpoints;
using Microsoft.Extensions.Logging.Abstractions;
using Worker.Service;
using Worker.Tests.Support;

namespace Worker.Tests.Service;

/// <summary>
/// LoadLoraAdapter and UnloadLoraAdapter on the real app: what a step may name afterwards, and worker.proto's status
/// codes. The app serves one adapter loaded at start, <see cref="StartAdapter"/>.
/// </summary>
public sealed class WorkerLoraLoadingTests : IDisposable
{
    private const string StartAdapter = "sql";
    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Load_AnswersTheAdapter_AndTheNextStepMayNameIt()
    {
        await using var host = await StartHostAsync();
        string chat = WriteAdapter("chat", rank: 4);

        var reply = await host.Client.LoadLoraAdapterAsync(new LoadLoraAdapterRequest { Name = "chat", Path = chat }, deadline: WorkerServiceHost.Deadline());
        var step = await host.Client.ExecuteAsync(PrefillNaming("chat"), deadline: WorkerServiceHost.Deadline());

        Assert.Equal(("chat", chat, 4), (reply.Adapter.Name, reply.Adapter.Path, reply.Adapter.Rank));
        Assert.Equal("a", Assert.Single(step.Sampled).RequestId);
    }

    [Fact]
    public async Task Unload_ThenAStepNamingIt_IsInvalidArgument()
    {
        await using var host = await StartHostAsync();
        await host.Client.LoadLoraAdapterAsync(new LoadLoraAdapterRequest { Name = "chat", Path = WriteAdapter("chat") }, deadline: WorkerServiceHost.Deadline());

        await host.Client.UnloadLoraAdapterAsync(new UnloadLoraAdapterRequest { Name = "chat" }, deadline: WorkerServiceHost.Deadline());
        var error = await Assert.ThrowsAsync<RpcException>(
            () => host.Client.ExecuteAsync(PrefillNaming("chat"), deadline: WorkerServiceHost.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("lora_name 'chat'", error.Status.Detail);
    }

    [Fact]
    public async Task Load_NameOfAStartAdapter_IsAlreadyExists()
    {
        await using var host = await StartHostAsync();

        var error = await LoadRefused(host, StartAdapter, WriteAdapter("other"));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains($"'{StartAdapter}' was loaded at start", error.Status.Detail);
    }

    [Fact]
    public async Task Load_MissingFolder_IsNotFound()
    {
        await using var host = await StartHostAsync();
        string missing = Path.Combine(_dir.Path, "no-such-adapter");

        var error = await LoadRefused(host, "chat", missing);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains(missing, error.Status.Detail);
    }

    [Fact]
    public async Task Load_AdapterForOtherDims_IsInvalidArgument()
    {
        await using var host = await StartHostAsync();
        string wide = Path.Combine(_dir.Path, "wide");
        RandomLoraWriter.Write(wide, WorkerServiceHost.Model.Decoder with { Hidden = 48 }, new RandomLoraSpec());

        var error = await LoadRefused(host, "wide", wide);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("has shape", error.Status.Detail);
    }

    [Fact]
    public async Task Load_EmptyName_IsInvalidArgument()
    {
        await using var host = await StartHostAsync();

        var error = await LoadRefused(host, "", WriteAdapter("chat"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Unload_NameOfAStartAdapter_IsFailedPrecondition()
    {
        await using var host = await StartHostAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Client.UnloadLoraAdapterAsync(
            new UnloadLoraAdapterRequest { Name = StartAdapter }, deadline: WorkerServiceHost.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"'{StartAdapter}' was loaded at start", error.Status.Detail);
    }

    [Fact]
    public async Task Unload_NameNeverLoaded_IsNotFound()
    {
        await using var host = await StartHostAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Client.UnloadLoraAdapterAsync(
            new UnloadLoraAdapterRequest { Name = "never-loaded" }, deadline: WorkerServiceHost.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("'never-loaded'", error.Status.Detail);
    }

    [Fact]
    public async Task LoadAndUnload_WhileTheModelLoads_AreUnavailable()
    {
        // In process, on a host whose model never became ready.
        using var loading = new ModelHost();
        var service = new WorkerGrpcService(loading, NullLogger<WorkerGrpcService>.Instance);
        var context = new TestServerCallContext("/inference.worker.v1.Worker/LoadLoraAdapter", CancellationToken.None);

        var load = await Assert.ThrowsAsync<RpcException>(
            () => service.LoadLoraAdapter(new LoadLoraAdapterRequest { Name = "chat", Path = _dir.Path }, context).WaitAsync(WorkerServiceHost.Timeout));
        var unload = await Assert.ThrowsAsync<RpcException>(
            () => service.UnloadLoraAdapter(new UnloadLoraAdapterRequest { Name = "chat" }, context).WaitAsync(WorkerServiceHost.Timeout));

        Assert.Equal(StatusCode.Unavailable, load.StatusCode);
        Assert.Equal(StatusCode.Unavailable, unload.StatusCode);
    }

    private async Task<WorkerServiceHost> StartHostAsync() =>
        await WorkerServiceHost.StartAsync(null, $"--Worker:LoraModules={StartAdapter}={WriteAdapter(StartAdapter)}");

    private string WriteAdapter(string name, int rank = 8)
    {
        string path = Path.Combine(_dir.Path, name);
        RandomLoraWriter.Write(path, WorkerServiceHost.Model.Decoder, new RandomLoraSpec(Rank: rank));
        return path;
    }

    private static Task<RpcException> LoadRefused(WorkerServiceHost host, string name, string path) =>
        Assert.ThrowsAsync<RpcException>(() => host.Client.LoadLoraAdapterAsync(
            new LoadLoraAdapterRequest { Name = name, Path = path }, deadline: WorkerServiceHost.Deadline()).ResponseAsync);

    /// <summary>A step prefilling a new 3-token request "a" on block 0 with adapter <paramref name="lora"/>.</summary>
    private static ExecuteRequest PrefillNaming(string lora) =>
        WorkerMessages.ToProto(Steps.Plan(1, [Steps.NewRequest("a", [1, 2, 3], [0], 3, lora: lora)]), instanceId: "");
}
