using System.Net.Http.Json;
using System.Text.Json;
using Integration.Tests.Support;

namespace Integration.Tests;

/// <summary>
/// use_beam_search through the served system on the tiny checkpoint: width one is the greedy answer, and a wider search
/// returns distinct beams ranked by their log-probability, each checked by scoring the beam as a prompt (echo with logprobs).
/// </summary>
public sealed class BeamSearchApiTests(ServedSystem system) : IClassFixture<ServedSystem>
{
    private const int MaxTokens = 4;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task BeamSearch_WidthOne_IsTheGreedyCompletion()
    {
        using var http = Http();
        var prompt = await TokenizeAsync(http, "The quick brown fox");

        var greedy = await CompleteAsync(http, new { prompt, max_tokens = MaxTokens, temperature = 0, ignore_eos = true });
        var beam = await CompleteAsync(http, new { prompt, max_tokens = MaxTokens, use_beam_search = true, n = 1, ignore_eos = true });

        Assert.Equal(greedy.GetProperty("choices")[0].GetProperty("text").GetString(), beam.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task BeamSearch_WidthThree_ReturnsDistinctBeamsRankedByTheirLogprob()
    {
        using var http = Http();
        var prompt = await TokenizeAsync(http, "Once upon a time");

        var answer = await CompleteAsync(http, new
        {
            prompt, max_tokens = MaxTokens, use_beam_search = true, n = 3, ignore_eos = true, return_token_ids = true,
        });

        var beams = answer.GetProperty("choices").EnumerateArray()
            .Select(c => c.GetProperty("token_ids").EnumerateArray().Select(t => t.GetInt32()).ToArray())
            .ToArray();
        Assert.Equal(3, beams.Length);
        Assert.Equal(3, beams.Select(b => string.Join(',', b)).Distinct().Count());
        Assert.All(beams, b => Assert.Equal(MaxTokens, b.Length));
        var scores = new List<double>();
        foreach (var beam in beams)
        {
            // The beam's log-probability, as the model scores it fed back as a prompt.
            var echoed = await CompleteAsync(http, new { prompt = (int[])[.. prompt, .. beam], max_tokens = 1, temperature = 0, echo = true, logprobs = 0 });
            var values = echoed.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("token_logprobs").EnumerateArray().ToArray();
            scores.Add(values.Skip(prompt.Length).Take(MaxTokens).Sum(v => v.GetDouble()));
        }

        for (var i = 1; i < scores.Count; i++)
        {
            Assert.True(scores[i - 1] >= scores[i] - CompletionAnswer.LogprobTolerance, $"beam scores [{string.Join(", ", scores)}] are not ranked");
        }

        var usage = answer.GetProperty("usage");
        Assert.Equal(3 * MaxTokens, usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task BeamSearch_WithTopP_Is400NamingIt()
    {
        using var http = Http();

        using var response = await http.PostAsJsonAsync("/v1/completions", new { prompt = "hi", max_tokens = 2, use_beam_search = true, n = 2, top_p = 0.5 });

        Assert.Equal(400, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("top_p", body.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = RequestTimeout };

    private static Task<int[]> TokenizeAsync(HttpClient http, string text) => ApiCalls.TokenizeAsync(http, text);

    private static Task<JsonElement> CompleteAsync(HttpClient http, object request) => ApiCalls.PostAsync(http, "/v1/completions", request);
}
