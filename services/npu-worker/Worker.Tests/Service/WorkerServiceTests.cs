using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inference.Contracts.Worker.V1;
using Worker.Tests.Support;
using WorkerClient = Inference.Contracts.Worker.V1.Worker.WorkerClient;

namespace Worker.Tests.Service;

/// <summary>The real Worker.Service app on a loopback port, called with the generated gRPC client.</summary>
public sealed class WorkerServiceTests : IAsyncLifetime
{
    private WorkerServiceHost? _host;
    private WorkerClient? _client;
    private GrpcChannel? _channel;

    public async Task InitializeAsync()
    {
        _host = await WorkerServiceHost.StartAsync();
        _client = _host.Client;
        _channel = _host.Channel;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Info_ReportsModelAndKvLayout()
    {
        var info = await _client!.InfoAsync(new InfoRequest(), deadline: Deadline());
        Assert.Equal("test-model", info.ModelName);
        Assert.Equal("Qwen2ForCausalLM", info.Architecture);
        Assert.Equal(1000, info.VocabSize);
        Assert.Equal(16, info.BlockSize);
        Assert.Equal(16, info.NumBlocks);
        Assert.Equal(256, info.MaxModelLen);
        Assert.Equal(new[] { 151645, 151643 }, info.EosTokenIds);
        Assert.Equal("cpu:0", info.Device);
    }

    [Fact]
    public async Task Execute_PrefillThenDecode_SamplesAndTracksRequests()
    {
        var prefill = new ExecuteRequest { StepId = 1 };
        var request = new NewRequest
        {
            RequestId = "a", NumPromptTokens = 5, NumComputedTokens = 0, NumScheduledTokens = 5,
            Sampling = new Inference.Contracts.Worker.V1.SamplingParams { Logprobs = 3 },
        };
        request.TokenIds.AddRange([1, 2, 3, 4, 5]);
        request.BlockIds.Add(3);
        prefill.NewRequests.Add(request);
        var first = await _client!.ExecuteAsync(prefill, deadline: Deadline());
        Assert.Equal(1, first.StepId);
        Assert.Equal(5, first.NumTokens);
        var sampled = Assert.Single(first.Sampled);
        Assert.Equal("a", sampled.RequestId);
        Assert.Equal(3, sampled.TopLogprobs.Count);
        Assert.Equal(sampled.TokenId, sampled.TopLogprobs[0].TokenId);
        Assert.True(first.Timings.TotalNs >= first.Timings.ForwardNs);

        var decode = new ExecuteRequest { StepId = 2 };
        decode.CachedRequests.Add(new CachedRequest { RequestId = "a", NumComputedTokens = 5, NumScheduledTokens = 1 });
        var second = await _client.ExecuteAsync(decode, deadline: Deadline());
        Assert.Equal(1, second.NumTokens);
        Assert.Equal("a", Assert.Single(second.Sampled).RequestId);
        Assert.Equal(1, (await _client.HealthAsync(new HealthRequest(), deadline: Deadline())).NumRequests);

        var finish = new ExecuteRequest { StepId = 3 };
        finish.FinishedRequestIds.Add("a");
        await _client.ExecuteAsync(finish, deadline: Deadline());
        Assert.Equal(0, (await _client.HealthAsync(new HealthRequest(), deadline: Deadline())).NumRequests);
    }

    [Fact]
    public async Task Execute_InvalidPlan_ReturnsInvalidArgumentWithMessage()
    {
        var plan = new ExecuteRequest { StepId = 1 };
        plan.CachedRequests.Add(new CachedRequest { RequestId = "nobody", NumComputedTokens = 0, NumScheduledTokens = 1 });
        var error = await Assert.ThrowsAsync<RpcException>(() => _client!.ExecuteAsync(plan, deadline: Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("nobody", error.Status.Detail);
    }

    [Fact]
    public async Task StandardHealthService_ReportsServingOnceReady()
    {
        var health = new Health.HealthClient(_channel!);
        var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: Deadline());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    private static DateTime Deadline() => WorkerServiceHost.Deadline();
}
