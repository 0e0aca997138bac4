using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;
using OpenAI;
using OpenAI.Embeddings;

namespace Gateway.Tests.Api;

/// <summary>The official OpenAI .NET SDK's EmbeddingClient reads the gateway's embeddings; it asks for base64 by default.</summary>
public sealed class OpenAiSdkEmbeddingsTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;
    private readonly RequestBodies _sent = new();

    public OpenAiSdkEmbeddingsTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Fact]
    public async Task GenerateEmbedding_OneString_DecodesTheExactFloatsFromBase64()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);

        OpenAIEmbedding embedding = await Client().GenerateEmbeddingAsync("hello", cancellationToken: cts.Token);

        Assert.Equal("base64", JsonDocument.Parse(Assert.Single(_sent.Bodies)).RootElement.GetProperty("encoding_format").GetString());
        Assert.Equal(0, embedding.Index);
        Assert.Equal(FakeScheduler.ExpectedEmbedding(5), embedding.ToFloats().ToArray());
    }

    [Fact]
    public async Task GenerateEmbeddings_ListOfStrings_ReadsEachInOrderWithUsageAndModel()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);
        string[] inputs = ["a", "bbb", "cc"];

        OpenAIEmbeddingCollection embeddings = await Client().GenerateEmbeddingsAsync(inputs, cancellationToken: cts.Token);

        Assert.Equal([0, 1, 2], embeddings.Select(e => e.Index));
        Assert.Equal(inputs.Select(i => FakeScheduler.ExpectedEmbedding(i.Length)), embeddings.Select(e => e.ToFloats().ToArray()));
        Assert.Equal(6, embeddings.Usage.InputTokenCount);
        Assert.Equal(6, embeddings.Usage.TotalTokenCount);
        Assert.Equal(FakeScheduler.ModelName, embeddings.Model);
    }

    [Fact]
    public async Task GenerateEmbedding_WithDimensions_SendsThemAndReadsTheShorterEmbedding()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);

        OpenAIEmbedding embedding = await Client().GenerateEmbeddingAsync(
            "hello", new EmbeddingGenerationOptions { Dimensions = 3 }, cts.Token);

        Assert.Equal(3, Assert.Single(_host.Scheduler.EmbedRequests).Dimensions);
        Assert.Equal(FakeScheduler.ExpectedEmbedding(5, 3), embedding.ToFloats().ToArray());
    }

    [Fact]
    public async Task GenerateEmbeddings_TokenIds_AreSentAsTokenIds()
    {
        using var cts = new CancellationTokenSource(GatewayHost.Timeout);

        OpenAIEmbeddingCollection embeddings = await Client().GenerateEmbeddingsAsync(
            [new ReadOnlyMemory<int>([11, 12]), new ReadOnlyMemory<int>([13, 14, 15])], cancellationToken: cts.Token);

        Assert.Equal(FakeScheduler.ExpectedEmbedding(3), embeddings[1].ToFloats().ToArray());
        Assert.Contains(_host.Scheduler.EmbedRequests, r => r.TokenIds?.Ids.SequenceEqual([13, 14, 15]) == true);
    }

    private EmbeddingClient Client()
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(_host.HttpAddress, "/v1") };
        options.AddPolicy(_sent, PipelinePosition.PerCall);
        return new EmbeddingClient(FakeScheduler.ModelName, new ApiKeyCredential("unused"), options);
    }

    /// <summary>Keeps the JSON body of each request the SDK sends, to see what it asked for.</summary>
    private sealed class RequestBodies : PipelinePolicy
    {
        public ConcurrentQueue<string> Bodies { get; } = new();

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Record(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Record(message);
            await ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Record(PipelineMessage message)
        {
            using var body = new MemoryStream();
            message.Request.Content?.WriteTo(body);
            Bodies.Enqueue(System.Text.Encoding.UTF8.GetString(body.ToArray()));
        }
    }
}
