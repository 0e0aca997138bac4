using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Grpc.Core;
using Inference.Abstractions.Generation;
using Inference.Contracts.Mapping;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// <c>POST /v1/embeddings</c> when the scheduler refuses or fails an input, and how its calls are bounded and cancelled:
/// the first failing input fails the request, the others are cancelled.
/// </summary>
public sealed class EmbeddingsErrorTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;

    public EmbeddingsErrorTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Fact]
    public async Task DimensionsOfANonMatryoshkaModel_Returns400NamingDimensions()
    {
        const string refusal = "dimensions: the model is not a matryoshka model; it embeds in 8 dimensions only.";
        _host.Scheduler.EmbedScript = (_, _) => throw FakeScheduler.Refusal("dimensions", refusal);

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":"a","dimensions":4}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("dimensions", answer.ErrorParam);
        Assert.Equal(refusal, answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task PromptRefusedOfTheOnlyInput_Returns400NamingInput()
    {
        const string refusal = "prompt has 5000 tokens, more than max_model_len 4096.";
        _host.Scheduler.EmbedScript = (_, _) => throw FakeScheduler.Refusal("prompt", refusal);

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":"too long"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("input", answer.ErrorParam);
        Assert.Equal(refusal, answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task PromptRefusedOfOneOfSeveralInputs_Returns400SayingWhichInput()
    {
        _host.Scheduler.EmbedScript = (request, cancellationToken) => request.Text == "bad"
            ? throw FakeScheduler.Refusal("prompt", "prompt contains token id 999999, out of vocabulary range [0, 151936).")
            : FakeScheduler.DefaultEmbedScript(request, cancellationToken);

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":["good","bad","good too"]}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("input", answer.ErrorParam);
        Assert.Equal("input[1]: prompt contains token id 999999, out of vocabulary range [0, 151936).", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ModelThatEmbedsNothing_Returns400SayingSo()
    {
        _host.Scheduler.EmbedScript = (_, _) =>
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "The served model has no pooling."));

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":"a"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("BadRequestError", answer.Error.GetProperty("type").GetString());
        Assert.Equal("model", answer.ErrorParam);
        // The scheduler's words, which name the model and say what it does not support.
        Assert.Equal("The served model has no pooling.", answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Overloaded_Returns429WithRetryAfter()
    {
        _host.Scheduler.EmbedScript = (_, _) =>
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "max_concurrent_requests (2) requests are already admitted"));
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var content = new StringContent("""{"input":"a"}""", System.Text.Encoding.UTF8, "application/json");

        using var response = await _host.Http.PostAsync("/v1/embeddings", content, cts.Token);

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, 503)]
    [InlineData(StatusCode.Internal, 500)]
    public async Task SchedulerFailure_MapsAsOnTheOtherEndpoints(StatusCode code, int status)
    {
        _host.Scheduler.EmbedScript = (_, _) => throw new RpcException(new Status(code, "scheduler says no"));

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":"a"}""");

        Assert.Equal(status, answer.Status);
    }

    [Fact]
    public async Task OneInputFails_TheRequestFailsWithItsError_AndTheOthersAreCancelled()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        _host.Scheduler.EmbedScript = _host.Scheduler.HangOneFailOthers("embed hangs", FakeScheduler.Refusal("dimensions", "dimensions must be one of 4, 8."));

        var answer = await _host.Http.PostJsonAsync("/v1/embeddings", """{"input":["embed hangs","embed fails"],"dimensions":3}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("dimensions", answer.ErrorParam);
        await _host.Scheduler.CancelledAsync("embed hangs").WaitAsync(cts.Token);
    }

    [Fact]
    public async Task ClientDisconnect_CancelsTheRunningCalls()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        _host.Scheduler.EmbedScript = _host.Scheduler.HangEmbedAsync;
        using var clientGivesUp = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings")
        {
            Content = new StringContent("""{"input":["embed gone 1","embed gone 2"]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        var sending = _host.Http.SendAsync(request, clientGivesUp.Token);
        while (_host.Scheduler.EmbedsInFlight < 2)
        {
            await Task.Delay(10, cts.Token);
        }

        await clientGivesUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        await _host.Scheduler.CancelledAsync("embed gone 1").WaitAsync(cts.Token);
        await _host.Scheduler.CancelledAsync("embed gone 2").WaitAsync(cts.Token);
    }

    [Fact]
    public async Task ManyInputs_AtMost32RunAtOnce()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _host.Scheduler.EmbedScript = async (request, cancellationToken) =>
        {
            await release.Task.WaitAsync(cancellationToken);
            return FakeScheduler.DefaultEmbedding(request);
        };
        var inputs = string.Join(",", Enumerable.Range(0, 100).Select(i => $"\"bounded {i}\""));
        var sending = _host.Http.PostJsonAsync("/v1/embeddings", $$"""{"input":[{{inputs}}]}""");
        while (_host.Scheduler.EmbedsInFlight < 32)
        {
            await Task.Delay(10, cts.Token);
        }

        // Give an unbounded fan-out time to show itself before the held calls are let go.
        await Task.Delay(200, cts.Token);
        release.SetResult();
        var answer = await sending;

        Assert.Equal(200, answer.Status);
        Assert.Equal(100, answer.Json.GetProperty("data").GetArrayLength());
        Assert.Equal(32, _host.Scheduler.MaxEmbedsInFlight);
    }

}
