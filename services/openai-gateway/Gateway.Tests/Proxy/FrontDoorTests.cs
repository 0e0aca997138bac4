using Gateway.Tests.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
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
    public async Task Embed_ThroughTheGrpcPort_ReachesTheScheduler()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);

        var response = await new Generation.GenerationClient(channel)
            .EmbedAsync(new EmbedRequest { Text = "embedded via front door" }, cancellationToken: cts.Token);

        Assert.Equal(Fakes.FakeScheduler.DefaultEmbedding(new EmbedRequest { Text = "embedded via front door" }).Embedding, response.Embedding);
        Assert.Contains(host.Scheduler.EmbedRequests, r => r.Text == "embedded via front door");
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

    [Fact]
    public async Task GetModelInfo_ThroughAPortMapping_StillReachesTheScheduler()
    {
        // Behind `docker run -p 9001:8001` or GRPC_PORT=9001 the client's :authority names the port it dialled,
        // not the one the gateway listens on.
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new AuthorityRewriter("gateway.example:9001") { InnerHandler = new SocketsHttpHandler() },
        });

        var info = await new Generation.GenerationClient(channel)
            .GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: cts.Token);

        Assert.Equal(Fakes.FakeScheduler.ModelName, info.ModelName);
    }

    [Fact]
    public async Task GenerationPath_OnTheHttpPort_IsNotProxied()
    {
        // The Host header claims the gRPC port; the connection did not arrive there.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/inference.scheduler.v1.Generation/GetModelInfo")
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Headers.Host = host.GrpcAddress.Authority;
        request.Content.Headers.ContentType = new("application/grpc");

        using var response = await host.Http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Reflection_ThroughTheGrpcPort_ListsTheGenerationServiceAndNotTheWorkerRegistry()
    {
        var answer = await ReflectAsync(new ServerReflectionRequest { ListServices = "" });

        var services = answer.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains("inference.scheduler.v1.Generation", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.DoesNotContain("inference.scheduler.v1.WorkerRegistry", services);
    }

    [Fact]
    public async Task Reflection_ThroughTheGrpcPort_DescribesTheSharedSamplingMessages()
    {
        var answer = await ReflectAsync(new ServerReflectionRequest { FileContainingSymbol = "inference.common.v1.SamplingParams" });

        Assert.NotEmpty(answer.FileDescriptorResponse.FileDescriptorProto);
    }

    /// <summary>One question to the front door's reflection service, as grpcurl asks it.</summary>
    private async Task<ServerReflectionResponse> ReflectAsync(ServerReflectionRequest request)
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(request, cts.Token);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        return call.ResponseStream.Current;
    }

    /// <summary>Sends every request with another authority, as a client behind a port mapping does.</summary>
    private sealed class AuthorityRewriter(string authority) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Host = authority;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
