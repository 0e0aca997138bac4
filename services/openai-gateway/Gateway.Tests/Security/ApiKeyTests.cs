using System.Net.Http.Headers;
using Gateway.Tests.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Security;

/// <summary>A gateway started with <c>Gateway:ApiKey</c>.</summary>
public sealed class SecuredGatewayHost : GatewayHost
{
    public const string ApiKey = "sk-test-key";

    protected override IEnumerable<string> ExtraArgs => ["--Gateway:ApiKey", ApiKey];
}

public sealed class ApiKeyTests(SecuredGatewayHost host) : IClassFixture<SecuredGatewayHost>
{
    [Fact]
    public async Task Completions_WithoutTheKey_Returns401()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", """{"prompt":"Hi"}""");

        Assert.Equal(401, answer.Status);
        Assert.Equal("AuthenticationError", answer.Json.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Completions_WithTheKey_Succeeds()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecuredGatewayHost.ApiKey);

        using var response = await host.Http.SendAsync(request, cts.Token);

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Theory]
    [InlineData("/v1/score", """{"text_1":"a","text_2":"b"}""")]
    [InlineData("/v1/rerank", """{"query":"a","documents":["b"]}""")]
    public async Task ScoreAndRerankUnderV1_WithoutTheKey_Return401(string path, string json)
    {
        var answer = await host.Http.PostJsonAsync(path, json);

        Assert.Equal(401, answer.Status);
    }

    /// <summary>vLLM guards the routes under /v1 only; it serves score and rerank outside it too, open as /tokenize and /invocations are.</summary>
    [Theory]
    [InlineData("/score", """{"text_1":"a","text_2":"b"}""")]
    [InlineData("/rerank", """{"query":"a","documents":["b"]}""")]
    [InlineData("/v2/rerank", """{"query":"a","documents":["b"]}""")]
    [InlineData("/invocations", """{"prompt":"Hi"}""")]
    public async Task ScoreAndRerankOutsideV1_WithoutTheKey_StayOpen(string path, string json)
    {
        var answer = await host.Http.PostJsonAsync(path, json);

        Assert.Equal(200, answer.Status);
    }

    [Fact]
    public async Task Health_WithoutTheKey_StaysOpen()
    {
        var answer = await host.Http.GetAnswerAsync("/health");

        Assert.Equal(200, answer.Status);
    }

    [Fact]
    public async Task FrontDoor_WithoutTheKey_IsUnauthenticated()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var client = new Generation.GenerationClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => client.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: cts.Token).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task FrontDoor_WithTheKey_ReachesTheScheduler()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var headers = new Metadata { { "authorization", "Bearer " + SecuredGatewayHost.ApiKey } };

        var info = await new Generation.GenerationClient(channel)
            .GetModelInfoAsync(new GetModelInfoRequest(), headers, cancellationToken: cts.Token);

        Assert.Equal(Fakes.FakeScheduler.ModelName, info.ModelName);
    }
}
