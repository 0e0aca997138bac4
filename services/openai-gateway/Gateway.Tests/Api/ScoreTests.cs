using System.Text.Json;
using Gateway.Tests.Fakes;
using Gateway.Tests.Hosting;

namespace Gateway.Tests.Api;

/// <summary>
/// <c>POST /score</c> answers as vLLM's does for an embedding model: each pair's cosine similarity, text_1 against every
/// text_2 or pair by pair, each distinct text embedded once.
/// </summary>
public sealed class ScoreTests : IClassFixture<GatewayHost>, IDisposable
{
    private readonly GatewayHost _host;

    public ScoreTests(GatewayHost host)
    {
        _host = host;
        _host.Scheduler.ResetEmbeds();
    }

    public void Dispose() => _host.Scheduler.ResetEmbeds();

    [Theory]
    [InlineData("/score")]
    [InlineData("/v1/score")]
    public async Task OnePair_AnswersTheListObjectWithItsScore(string path)
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var answer = await _host.Http.PostJsonAsync(path, """{"text_1":"hello","text_2":"hi"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/json", answer.MediaType);
        var body = answer.Json;
        Assert.Matches("^score-[0-9a-f]{32}$", body.GetProperty("id").GetString());
        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.InRange(body.GetProperty("created").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(FakeScheduler.ModelName, body.GetProperty("model").GetString());
        var data = Assert.Single(body.GetProperty("data").EnumerateArray().ToArray());
        Assert.Equal(0, data.GetProperty("index").GetInt32());
        Assert.Equal("score", data.GetProperty("object").GetString());
        Assert.Equal(Cosine(FakeScheduler.ExpectedEmbedding(5), FakeScheduler.ExpectedEmbedding(2)), data.GetProperty("score").GetDouble(), 1e-12);
    }

    [Fact]
    public async Task Score_IsTheCosineSimilarityOfTheTwoEmbeddings()
    {
        _host.Scheduler.EmbedScript = FakeScheduler.FixedEmbeddings(new Dictionary<string, float[]>
        {
            ["east"] = [1, 0],
            ["north"] = [0, 3],
            ["north-east"] = [2, 2],
            ["west"] = [-5, 0],
        });

        var answer = await _host.Http.PostJsonAsync("/v1/score", """{"text_1":"east","text_2":["north","north-east","west","east"]}""");

        Assert.Equal(200, answer.Status);
        AssertScores([0, Math.Sqrt(0.5), -1, 1], answer.Json);
    }

    [Fact]
    public async Task OneText1_IsScoredAgainstEveryText2_InText2Order()
    {
        string[] texts2 = ["a", "abcd", "abcdefghi"];

        var answer = await _host.Http.PostJsonAsync("/v1/score", JsonSerializer.Serialize(new { text_1 = "abc", text_2 = texts2 }));

        Assert.Equal(200, answer.Status);
        Assert.Equal([0, 1, 2], answer.Json.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("index").GetInt32()));
        AssertScores(texts2.Select(t => Cosine(Embedding("abc"), Embedding(t))), answer.Json);
    }

    [Fact]
    public async Task OneItemText1Array_IsScoredAgainstEveryText2()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/score", """{"text_1":["abc"],"text_2":["a","abcd"]}""");

        Assert.Equal(200, answer.Status);
        AssertScores([Cosine(Embedding("abc"), Embedding("a")), Cosine(Embedding("abc"), Embedding("abcd"))], answer.Json);
    }

    [Fact]
    public async Task ArraysOfOneLength_AreScoredPairByPair()
    {
        string[] texts1 = ["a", "abcdef", "ab"];
        string[] texts2 = ["abcdefghij", "abc", "abcdefg"];

        var answer = await _host.Http.PostJsonAsync("/v1/score", JsonSerializer.Serialize(new { text_1 = texts1, text_2 = texts2 }));

        Assert.Equal(200, answer.Status);
        AssertScores(texts1.Zip(texts2, (t1, t2) => Cosine(Embedding(t1), Embedding(t2))), answer.Json);
    }

    [Fact]
    public async Task EachDistinctText_IsEmbeddedOnce_AndUsageCountsItOnce()
    {
        var answer = await _host.Http.PostJsonAsync("/v1/score", """{"text_1":["same","other","same"],"text_2":["same","x","other"]}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(["other", "same", "x"], _host.Scheduler.EmbedRequests.Select(r => r.Text).Order());
        var usage = answer.Json.GetProperty("usage");
        Assert.Equal(4 + 5 + 1, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(4 + 5 + 1, usage.GetProperty("total_tokens").GetInt32());
        AssertScores([1, Cosine(Embedding("other"), Embedding("x")), Cosine(Embedding("same"), Embedding("other"))], answer.Json);
    }

    [Fact]
    public async Task Texts_RunAsTheResponseIdNumbered_WithTheRequestsPriorityAndTruncation_PlainTextWithSpecialTokens()
    {
        var answer = await _host.Http.PostJsonAsync(
            "/v1/score", """{"text_1":"q","text_2":["d1","d2"],"request_id":"mine","priority":-3,"truncate_prompt_tokens":7}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("score-mine", answer.Json.GetProperty("id").GetString());
        var requests = _host.Scheduler.EmbedRequests.OrderBy(r => r.RequestId, StringComparer.Ordinal).ToArray();
        Assert.Equal(["score-mine-0", "score-mine-1", "score-mine-2"], requests.Select(r => r.RequestId));
        Assert.Equal(["q", "d1", "d2"], requests.Select(r => r.Text));
        Assert.All(requests, r =>
        {
            Assert.Equal(-3, r.Priority);
            Assert.Equal(7, r.TruncatePromptTokens);
            Assert.False(r.HasDimensions);
            Assert.False(r.HasNormalize);
            Assert.True(r.AddSpecialTokens);
        });
    }

    private static float[] Embedding(string text) => FakeScheduler.ExpectedEmbedding(text.Length);

    private static void AssertScores(IEnumerable<double> expected, JsonElement body) => Assert.Equal(
        expected, body.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("score").GetDouble()), (a, b) => Math.Abs(a - b) < 1e-12);

    internal static double Cosine(float[] x, float[] y)
    {
        var dot = x.Zip(y, (a, b) => (double)a * b).Sum();
        return dot / Math.Sqrt(x.Sum(a => (double)a * a) * y.Sum(b => (double)b * b));
    }
}
