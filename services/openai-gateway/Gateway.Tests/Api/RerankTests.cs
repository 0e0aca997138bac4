using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>
/// <c>POST /rerank</c> answers as vLLM's does for an embedding model: the documents by the cosine similarity of their
/// embedding and the query's, the most relevant first, cut to top_n.
/// </summary>
public sealed class RerankTests : IClassFixture<GatewayHost>, IDisposable
{
    /// <summary>Embeddings whose cosine with the query's falls 1, √½, 0, -1 from best to worst.</summary>
    private static readonly Dictionary<string, float[]> _embeddings = new()
    {
        ["query"] = [1, 0],
        ["same way"] = [4, 0],
        ["half way"] = [1, 1],
        ["across"] = [0, 2],
        ["across too"] = [0, -7],
        ["opposite"] = [-3, 0],
    };

    private readonly GatewayHost _host;

    public RerankTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
        _host.Scheduler.EmbedScript = FakeScheduler.FixedEmbeddings(_embeddings);
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Theory]
    [InlineData("/rerank")]
    [InlineData("/v1/rerank")]
    [InlineData("/v2/rerank")]
    public async Task Documents_AnswerMostRelevantFirst_WithTheirIndexTextAndCosine(string path)
    {
        var answer = await _host.Http.PostJsonAsync(path, """{"query":"query","documents":["opposite","half way","same way"]}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/json", answer.MediaType);
        var body = answer.Json;
        Assert.Matches("^rerank-[0-9a-f]{32}$", body.GetProperty("id").GetString());
        Assert.Equal(FakeScheduler.ModelName, body.GetProperty("model").GetString());
        var results = body.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([2, 1, 0], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(["same way", "half way", "opposite"], results.Select(r => r.GetProperty("document").GetProperty("text").GetString()));
        Assert.Equal([1, Math.Sqrt(0.5), -1], results.Select(r => r.GetProperty("relevance_score").GetDouble()), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public async Task EqualScores_KeepTheLowerIndexFirst()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/rerank", """{"query":"query","documents":["across too","opposite","across","same way"]}""");

        Assert.Equal([3, 0, 2, 1], Indexes(answer.Json));
    }

    [Theory]
    [InlineData(2, new[] { 2, 1 })]
    [InlineData(0, new[] { 2, 1, 0 })]
    [InlineData(5, new[] { 2, 1, 0 })]
    public async Task TopN_KeepsTheMostRelevant_AllWhenZeroOrMoreThanThereAre(int topN, int[] indexes)
    {
        var answer = await _host.Http.PostJsonAsync(
            "/v1/rerank", $$"""{"query":"query","documents":["opposite","half way","same way"],"top_n":{{topN}}}""");

        Assert.Equal(indexes, Indexes(answer.Json));
    }

    [Fact]
    public async Task DocumentObjects_AreScoredByTheirText_AndEchoedAsIt()
    {
        var answer = await _host.Http.PostJsonAsync(
            "/v1/rerank", """{"query":"query","documents":[{"text":"half way","title":"ignored"},"same way"]}""");

        Assert.Equal(200, answer.Status);
        var results = answer.Json.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([1, 0], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal("""{"text":"half way"}""", results[1].GetProperty("document").GetRawText());
    }

    [Fact]
    public async Task QueryAndRepeatedDocuments_AreEmbeddedOnce_AndUsageCountsThemOnce()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/rerank", """{"query":"query","documents":["half way","query","half way","across"]}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(["across", "half way", "query"], _host.Scheduler.EmbedRequests.Select(r => r.Text).Order(StringComparer.Ordinal));
        var usage = answer.Json.GetProperty("usage");
        Assert.Equal(5 + 8 + 6, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5 + 8 + 6, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal([1, 0, 2, 3], Indexes(answer.Json));
    }

    [Fact]
    public async Task Texts_RunAsTheResponseIdNumbered_QueryFirst()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/rerank", """{"query":"query","documents":["across","opposite"],"request_id":"r7"}""");

        Assert.Equal("rerank-r7", answer.Json.GetProperty("id").GetString());
        Assert.Equal(
            [("rerank-r7-0", "query"), ("rerank-r7-1", "across"), ("rerank-r7-2", "opposite")],
            _host.Scheduler.EmbedRequests.Select(r => (r.RequestId, r.Text)).OrderBy(r => r.RequestId, StringComparer.Ordinal));
    }

    private static int[] Indexes(JsonElement body) => [.. body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("index").GetInt32())];
}
