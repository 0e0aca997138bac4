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
    public async Task Info_ReportsLastTokenPoolingNormalizedForAPlainCausalLm()
    {
        var info = await _client!.InfoAsync(new InfoRequest(), deadline: Deadline());
        Assert.Equal(new Pooling { HiddenSize = 32, Normalize = true, Matryoshka = false, Mode = PoolingMode.LastToken }, info.Pooling);
    }

    [Fact]
    public async Task Execute_EmbeddingRequest_AnswersItsEmbeddingAndNoToken()
    {
        var step = Prefill("e");
        step.NewRequests[0].Pooling = new PoolingParams { Normalize = false, Dimensions = 8 };
        var reply = await _client!.ExecuteAsync(step, deadline: Deadline());
        Assert.Empty(reply.Sampled);
        var pooled = Assert.Single(reply.Pooled);
        Assert.Equal("e", pooled.RequestId);
        Assert.Equal(8, pooled.Embedding.Count);
    }

    [Fact]
    public async Task Execute_Prefill_EchoesStepIdAndCountsScheduledTokens()
    {
        var reply = await _client!.ExecuteAsync(Prefill("a", stepId: 7), deadline: Deadline());
        Assert.Equal(7, reply.StepId);
        Assert.Equal(5, reply.NumTokens);
    }

    [Fact]
    public async Task Execute_Prefill_SamplesOneTokenForTheRequest()
    {
        var reply = await _client!.ExecuteAsync(Prefill("a"), deadline: Deadline());
        Assert.Equal("a", Assert.Single(reply.Sampled).RequestId);
    }

    [Fact]
    public async Task Execute_GreedyWithLogprobs_ReturnsThatManyTopLogprobsLedByTheSampledToken()
    {
        var reply = await _client!.ExecuteAsync(Prefill("a", logprobs: 3), deadline: Deadline());
        var sampled = Assert.Single(reply.Sampled);
        Assert.Equal(3, sampled.Token.TopLogprobs.Count);
        Assert.Equal(sampled.Token.TokenId, sampled.Token.TopLogprobs[0].TokenId);
    }

    [Fact]
    public async Task Execute_Step_ReportsForwardTimeWithinTotalTime()
    {
        var reply = await _client!.ExecuteAsync(Prefill("a"), deadline: Deadline());
        Assert.True(reply.Timings.ForwardNs > 0, $"forward_ns {reply.Timings.ForwardNs}");
        Assert.True(reply.Timings.TotalNs >= reply.Timings.ForwardNs, $"total_ns {reply.Timings.TotalNs} < forward_ns {reply.Timings.ForwardNs}");
    }

    [Fact]
    public async Task Execute_DecodeAfterPrefill_RunsOneTokenAndSamplesForTheRequest()
    {
        await _client!.ExecuteAsync(Prefill("a"), deadline: Deadline());
        var decode = new ExecuteRequest { StepId = 2 };
        decode.CachedRequests.Add(new CachedRequest { RequestId = "a", NumComputedTokens = 5, NumScheduledTokens = 1 });
        var reply = await _client.ExecuteAsync(decode, deadline: Deadline());
        Assert.Equal(1, reply.NumTokens);
        Assert.Equal("a", Assert.Single(reply.Sampled).RequestId);
    }

    [Fact]
    public async Task Health_AfterPrefill_CountsTheRequest()
    {
        await _client!.ExecuteAsync(Prefill("a"), deadline: Deadline());
        Assert.Equal(1, (await _client.HealthAsync(new HealthRequest(), deadline: Deadline())).NumRequests);
    }

    [Fact]
    public async Task Execute_FinishedRequestId_FreesTheRequest()
    {
        await _client!.ExecuteAsync(Prefill("a"), deadline: Deadline());
        var finish = new ExecuteRequest { StepId = 2 };
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
    public async Task ExecuteStream_StepsSentBackToBack_RunInOrderAndAnswerInOrder()
    {
        // The decode is sent before the prefill's answer, as the scheduler does with async scheduling: it feeds the
        // token the prefill samples.
        using var call = _client!.ExecuteStream(deadline: Deadline());
        var decode = new ExecuteRequest { StepId = 2 };
        decode.CachedRequests.Add(new CachedRequest { RequestId = "a", NumComputedTokens = 5, NumScheduledTokens = 1 });
        await call.RequestStream.WriteAsync(Prefill("a"));
        await call.RequestStream.WriteAsync(decode);
        await call.RequestStream.CompleteAsync();

        var answers = await call.ResponseStream.ReadAllAsync().ToListAsync();
        var unary = await _client.ExecuteAsync(Prefill("b"), deadline: Deadline());

        Assert.Equal([1L, 2L], answers.Select(a => a.StepId));
        Assert.Equal([5, 1], answers.Select(a => a.NumTokens));
        Assert.Equal("a", Assert.Single(answers[1].Sampled).RequestId);
        Assert.Equal(unary.Sampled[0].Token.TokenId, answers[0].Sampled[0].Token.TokenId);
    }

    [Fact]
    public async Task ExecuteStream_InvalidStep_EndsTheStreamWithInvalidArgumentAndRunsNothingBehindIt()
    {
        using var call = _client!.ExecuteStream(deadline: Deadline());
        var invalid = new ExecuteRequest { StepId = 1 };
        invalid.CachedRequests.Add(new CachedRequest { RequestId = "nobody", NumComputedTokens = 0, NumScheduledTokens = 1 });
        await call.RequestStream.WriteAsync(invalid);
        try
        {
            await call.RequestStream.WriteAsync(Prefill("a", stepId: 2));
        }
        catch (RpcException)
        {
            // The worker may have ended the call before this write: the write then fails with the call's status,
            // which the read below sees too.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.ReadAllAsync().ToListAsync().AsTask());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("nobody", error.Status.Detail);
        Assert.Equal(0, (await _client.HealthAsync(new HealthRequest(), deadline: Deadline())).NumRequests);
    }

    [Fact]
    public async Task StandardHealthService_ReportsServingOnceReady()
    {
        var health = new Health.HealthClient(_channel!);
        var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: Deadline());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    /// <summary>A step that prefills a new 5-token request on block 3, sampled greedily.</summary>
    private static ExecuteRequest Prefill(string requestId, long stepId = 1, int logprobs = 0)
    {
        var request = new NewRequest
        {
            RequestId = requestId, NumPromptTokens = 5, NumComputedTokens = 0, NumScheduledTokens = 5,
            Sampling = new RequestSampling { Params = new Inference.Contracts.Common.V1.SamplingParams { Temperature = 0, Logprobs = logprobs } },
        };
        request.TokenIds.AddRange([1, 2, 3, 4, 5]);
        request.BlockIds.Add(3);
        var step = new ExecuteRequest { StepId = stepId };
        step.NewRequests.Add(request);
        return step;
    }

    private static DateTime Deadline() => WorkerServiceHost.Deadline();
}
