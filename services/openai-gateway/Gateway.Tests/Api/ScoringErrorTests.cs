using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using Grpc.Core;
using Inference.Abstractions.Generation;
using Inference.Contracts.Mapping;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Api;

/// <summary>
/// <c>POST /score</c> and <c>/rerank</c> when the scheduler refuses or fails a text: refusals name the field the text
/// came from, as embeddings' name input, and the other calls are cancelled.
/// </summary>
public sealed class ScoringErrorTests : IClassFixture<GatewayHost>, IDisposable
{
    private const string TooLong = "prompt has 5000 tokens, more than max_model_len 4096.";

    private readonly GatewayHost _host;

    public ScoringErrorTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Theory]
    [InlineData("/v1/score", """{"text_1":"bad","text_2":["a","b"]}""", "text_1", "")]
    [InlineData("/v1/score", """{"text_1":["a","b"],"text_2":["c","bad"]}""", "text_2", "text_2[1]: ")]
    [InlineData("/v1/score", """{"text_1":"a","text_2":"bad"}""", "text_2", "")]
    [InlineData("/v1/rerank", """{"query":"bad","documents":["a","b"]}""", "query", "")]
    [InlineData("/v1/rerank", """{"query":"q","documents":["a","b","bad"]}""", "documents", "documents[2]: ")]
    [InlineData("/v1/rerank", """{"query":"q","documents":[{"text":"bad"}]}""", "documents", "")]
    public async Task PromptRefused_Returns400NamingTheTextsField(string path, string json, string field, string itemPrefix)
    {
        _host.Scheduler.EmbedScript = (request, cancellationToken) => request.Text == "bad"
            ? throw FakeScheduler.Refusal("prompt", TooLong)
            : FakeScheduler.DefaultEmbedScript(request, cancellationToken);

        var answer = await _host.Http.PostJsonAsync(path, json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(field, answer.ErrorParam);
        Assert.Equal(itemPrefix + TooLong, answer.Error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task RepeatedText_IsNamedWhereItFirstAppears()
    {
        _host.Scheduler.EmbedScript = (request, cancellationToken) => request.Text == "bad"
            ? throw FakeScheduler.Refusal("prompt", TooLong)
            : FakeScheduler.DefaultEmbedScript(request, cancellationToken);

        var answer = await _host.Http.PostJsonAsync("/v1/score", """{"text_1":["x","bad"],"text_2":["bad","y"]}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("text_1", answer.ErrorParam);
        Assert.Equal("text_1[1]: " + TooLong, answer.Error.GetProperty("message").GetString());
        Assert.Single(_host.Scheduler.EmbedRequests, r => r.Text == "bad");
    }

    [Fact]
    public async Task RefusalNamingAnotherField_KeepsItsName()
    {
        _host.Scheduler.EmbedScript = (_, _) => throw FakeScheduler.Refusal("truncate_prompt_tokens", "truncate_prompt_tokens 9000 exceeds max_model_len 4096.");

        var answer = await _host.Http.PostJsonAsync("/v1/rerank", """{"query":"q","documents":["a"],"truncate_prompt_tokens":9000}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("truncate_prompt_tokens", answer.ErrorParam);
    }

    [Theory]
    [InlineData("/v1/score", """{"text_1":"a","text_2":"b"}""")]
    [InlineData("/v1/rerank", """{"query":"a","documents":["b"]}""")]
    public async Task ModelThatEmbedsNothing_Returns400SayingSo_AsEmbeddingsDoes(string path, string json)
    {
        _host.Scheduler.EmbedScript = (_, _) =>
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "The served model has no pooling."));

        var answer = await _host.Http.PostJsonAsync(path, json);

        Assert.Equal(400, answer.Status);
        Assert.Equal("BadRequestError", answer.Error.GetProperty("type").GetString());
        Assert.Equal("model", answer.ErrorParam);
        // The scheduler's words, which name the model and say what it does not support.
        Assert.Equal("The served model has no pooling.", answer.Error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(StatusCode.ResourceExhausted, 429)]
    [InlineData(StatusCode.Unavailable, 503)]
    [InlineData(StatusCode.Internal, 500)]
    public async Task SchedulerFailure_MapsAsOnTheOtherEndpoints(StatusCode code, int status)
    {
        _host.Scheduler.EmbedScript = (_, _) => throw new RpcException(new Status(code, "scheduler says no"));

        var score = await _host.Http.PostJsonAsync("/v1/score", """{"text_1":"a","text_2":"b"}""");
        var rerank = await _host.Http.PostJsonAsync("/v1/rerank", """{"query":"a","documents":["b"]}""");

        Assert.Equal(status, score.Status);
        Assert.Equal(status, rerank.Status);
    }

    [Fact]
    public async Task OneTextFails_TheRequestFailsWithItsError_AndTheOthersAreCancelled()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        _host.Scheduler.EmbedScript = _host.Scheduler.HangOneFailOthers("rerank hangs", FakeScheduler.Refusal("prompt", TooLong));

        var answer = await _host.Http.PostJsonAsync("/v1/rerank", """{"query":"rerank hangs","documents":["rerank fails"]}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("documents", answer.ErrorParam);
        await _host.Scheduler.CancelledAsync("rerank hangs").WaitAsync(cts.Token);
    }

    [Fact]
    public async Task ManyTexts_AtMost32RunAtOnce()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _host.Scheduler.EmbedScript = async (request, cancellationToken) =>
        {
            await release.Task.WaitAsync(cancellationToken);
            return FakeScheduler.DefaultEmbedding(request);
        };
        var documents = string.Join(",", Enumerable.Range(0, 60).Select(i => $"\"bounded {i}\""));
        var sending = _host.Http.PostJsonAsync("/v1/rerank", $$"""{"query":"q","documents":[{{documents}}]}""");
        while (_host.Scheduler.EmbedsInFlight < 32)
        {
            await Task.Delay(10, cts.Token);
        }

        // Give an unbounded fan-out time to show itself before the held calls are let go.
        await Task.Delay(200, cts.Token);
        release.SetResult();
        var answer = await sending;

        Assert.Equal(200, answer.Status);
        Assert.Equal(60, answer.Json.GetProperty("results").GetArrayLength());
        Assert.Equal(32, _host.Scheduler.MaxEmbedsInFlight);
    }

}
