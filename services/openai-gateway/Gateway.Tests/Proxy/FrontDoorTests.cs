using Gateway.Tests.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.Scheduler.V1;

namespace Gateway.Tests.Proxy;

public sealed class FrontDoorTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task Generate_ThroughTheGrpcPort_ReachesTheScheduler()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var client = new Generation.GenerationClient(channel);

        using var call = client.Generate(new GenerateRequest { Text = "via front door" }, cancellationToken: cts.Token);
        var responses = new List<GenerateResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync(cts.Token))
        {
            responses.Add(response);
        }

        Assert.Equal("Hello, world", string.Concat(responses.Select(r => r.TextDelta)));
        Assert.Equal(FinishReason.Length, responses[^1].FinishReason);
        Assert.Contains(host.Scheduler.Requests, r => r.Text == "via front door");
    }

    [Fact]
    public async Task Generate_SchedulerError_KeepsItsGrpcStatus()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var client = new Generation.GenerationClient(channel);

        using var call = client.Generate(new GenerateRequest { Text = "" }, cancellationToken: cts.Token);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cts.Token));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task GetModelInfo_ThroughTheGrpcPort_AnswersFromTheScheduler()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);

        var info = await new Generation.GenerationClient(channel)
            .GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: cts.Token);

        Assert.Equal(Fakes.FakeScheduler.ModelName, info.ModelName);
    }
}
