using System.Net.Http.Json;
using System.Text.Json;
using Integration.Tests.Support;

namespace Integration.Tests.Embeddings;

/// <summary>
/// /v1/score and /v1/rerank end to end on an embedding checkpoint: their scores are the cosine similarities of the
/// texts' /v1/embeddings vectors, as vLLM scores with an embedding model.
/// </summary>
public sealed class ScoreRerankApiTests(EmbeddingServedSystem system) : IClassFixture<EmbeddingServedSystem>
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Score_OfTwoTexts_IsTheCosineOfTheirEmbeddings()
    {
        using var http = Http();
        var embeddings = await EmbeddingsAsync(http, "hello world", "The quick brown fox jumps over the lazy dog");

        var score = await PostAsync(http, "/v1/score", new { model = system.ModelName, text_1 = "hello world", text_2 = "The quick brown fox jumps over the lazy dog" });

        var data = Assert.Single(score.GetProperty("data").EnumerateArray().ToArray());
        Assert.Equal(Cosine(embeddings[0], embeddings[1]), data.GetProperty("score").GetDouble(), 1e-6);
    }

    [Fact]
    public async Task Rerank_OrdersThreeDocumentsByTheCosineOfTheirEmbeddingAndTheQuerys()
    {
        using var http = Http();
        const string query = "where do cats sleep";
        string[] documents = ["cats sleep in the sun", "the stock market fell today", "a kitten naps on the sofa"];
        var embeddings = await EmbeddingsAsync(http, [query, .. documents]);
        var cosines = documents.Select((_, i) => Cosine(embeddings[0], embeddings[i + 1])).ToArray();
        // The order is only a check when the random checkpoint's cosines differ clearly.
        Assert.Equal(3, cosines.Select(c => Math.Round(c, 4)).Distinct().Count());

        var rerank = await PostAsync(http, "/v1/rerank", new { model = system.ModelName, query, documents });

        var results = rerank.GetProperty("results").EnumerateArray().ToArray();
        var expectedOrder = Enumerable.Range(0, documents.Length).OrderByDescending(i => cosines[i]).ToArray();
        Assert.Equal(expectedOrder, results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(expectedOrder.Select(i => documents[i]), results.Select(r => r.GetProperty("document").GetProperty("text").GetString()));
        Assert.Equal(expectedOrder.Select(i => cosines[i]), results.Select(r => r.GetProperty("relevance_score").GetDouble()), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = RequestTimeout };

    private async Task<float[][]> EmbeddingsAsync(HttpClient http, params string[] texts)
    {
        var response = await PostAsync(http, "/v1/embeddings", new { model = system.ModelName, input = texts });
        return [.. response.GetProperty("data").EnumerateArray()
            .Select(d => d.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray())];
    }

    private static Task<JsonElement> PostAsync(HttpClient http, string path, object body) => ApiCalls.PostAsync(http, path, body);

    private static double Cosine(float[] x, float[] y)
    {
        var dot = x.Zip(y, (a, b) => (double)a * b).Sum();
        return dot / Math.Sqrt(x.Sum(a => (double)a * a) * y.Sum(b => (double)b * b));
    }
}
