using System.ClientModel;
using Integration.Tests.Support;
using OpenAI;
using OpenAI.Embeddings;

namespace Integration.Tests.Embeddings;

/// <summary>
/// /v1/embeddings end to end on a mean-pooling model with a Dense module: the embedding has the Dense module's size,
/// and a prompt embedded twice runs whole both times (a prefix-cache hit would skip hidden states the mean reads).
/// </summary>
public sealed class MeanPoolingApiTests(MeanPoolingServedSystem system) : IClassFixture<MeanPoolingServedSystem>
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    private EmbeddingClient Client() => new(system.ModelName, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });

    [Fact]
    public async Task Embeddings_WithSdk_HaveTheDenseModulesSizeAndUnitNorm()
    {
        var served = await Client().GenerateEmbeddingsAsync(["hello world", "The quick brown fox jumps over the lazy dog"]).WaitAsync(RequestTimeout);

        Assert.Equal(2, served.Value.Count);
        foreach (var embedding in served.Value)
        {
            var values = embedding.ToFloats().ToArray();
            Assert.Equal(MeanPoolingServedSystem.EmbeddingSize, values.Length);
            Assert.Equal(1.0, Math.Sqrt(values.Sum(v => (double)v * v)), 4);
        }

        Assert.NotEqual(served.Value[0].ToFloats().ToArray(), served.Value[1].ToFloats().ToArray());
    }

    [Fact]
    public async Task Embeddings_LongPromptTwice_RunsWholeBothTimes()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = RequestTimeout };
        var text = string.Join(' ', Enumerable.Range(0, 60).Select(i => $"word{i}"));
        var hitsBefore = PrometheusText.Sum(await http.GetStringAsync("/metrics"), "vllm:prefix_cache_hits_total");

        var first = await Client().GenerateEmbeddingAsync(text).WaitAsync(RequestTimeout);
        var second = await Client().GenerateEmbeddingAsync(text).WaitAsync(RequestTimeout);

        Assert.Equal(first.Value.ToFloats().ToArray(), second.Value.ToFloats().ToArray());
        Assert.Equal(hitsBefore, PrometheusText.Sum(await http.GetStringAsync("/metrics"), "vllm:prefix_cache_hits_total"));
    }
}
