using System.Net.Http.Json;
using System.Text.Json;
using Integration.Tests.Support;

namespace Integration.Tests;

/// <summary>
/// vLLM's prompt_logprobs and OpenAI's echo with logprobs through the served system on the tiny checkpoint, checked against what a greedy
/// run reports: the tokens a greedy run generated, fed back as prompt, have prompt logprobs equal to the logprobs the
/// run reported for them, and rank 1. The HTTP API does not expose generated token ids; each is read as the rank-1
/// entry of the prompt logprobs at its position (the greedy token is the most likely one).
/// </summary>
public sealed class PromptLogprobsApiTests(ServedSystem system) : IClassFixture<ServedSystem>
{
    private const int Generated = 4;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task GreedyTokensFedBackAsPrompt_HavePromptAndEchoLogprobsEqualToTheGreedyRunsLogprobs()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = RequestTimeout };
        using var timeout = new CancellationTokenSource(RequestTimeout);
        var prompt = await TokenizeAsync(http, "The quick brown fox", timeout.Token);

        // The greedy run: its tokens' texts and logprobs.
        var greedy = await CompleteAsync(http, new { prompt, max_tokens = Generated, temperature = 0, ignore_eos = true, logprobs = 0 }, timeout.Token);
        var greedyLogprobs = greedy.GetProperty("logprobs");
        var greedyTokens = Strings(greedyLogprobs.GetProperty("tokens"));
        var greedyValues = Doubles(greedyLogprobs.GetProperty("token_logprobs"));
        Assert.Equal(Generated, greedyTokens.Length);

        // Its ids, one at a time: the rank-1 token at the position after prompt + ids so far (a placeholder token 0 holds it).
        var ids = new List<int>(prompt);
        for (var i = 0; i < Generated; i++)
        {
            var probe = await CompleteAsync(http, new { prompt = (int[])[.. ids, 0], max_tokens = 1, temperature = 0, prompt_logprobs = 1 }, timeout.Token);
            var position = probe.GetProperty("prompt_logprobs")[ids.Count];
            // The placeholder's own entry, then the top-1 (rank 1; the same entry when the placeholder is the most likely).
            var best = position.EnumerateObject().Single(e => e.Value.GetProperty("rank").GetInt32() == 1);
            Assert.Equal(greedyValues[i]!.Value, best.Value.GetProperty("logprob").GetDouble(), CompletionAnswer.LogprobTolerance);
            Assert.Equal(greedyTokens[i], best.Value.GetProperty("decoded_token").GetString());
            ids.Add(int.Parse(best.Name, System.Globalization.CultureInfo.InvariantCulture));
        }

        // The whole sequence as prompt, echoed with logprobs, whole and streamed.
        var echoed = await CompleteAsync(http, new { prompt = ids, max_tokens = 1, temperature = 0, echo = true, logprobs = 0 }, timeout.Token);
        var echoLogprobs = echoed.GetProperty("logprobs");
        var values = Doubles(echoLogprobs.GetProperty("token_logprobs"));
        Assert.Equal(ids.Count + 1, values.Length);
        Assert.Null(values[0]);
        Assert.Equal(JsonValueKind.Null, echoLogprobs.GetProperty("top_logprobs")[0].ValueKind);
        Assert.Equal(greedyTokens, Strings(echoLogprobs.GetProperty("tokens"))[prompt.Length..ids.Count]);
        for (var i = 0; i < Generated; i++)
        {
            Assert.Equal(greedyValues[i]!.Value, values[prompt.Length + i]!.Value, CompletionAnswer.LogprobTolerance);
        }

        var positions = echoed.GetProperty("prompt_logprobs");
        Assert.Equal(ids.Count, positions.GetArrayLength());
        for (var p = prompt.Length; p < ids.Count; p++)
        {
            var entry = positions[p].GetProperty(ids[p].ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(1, entry.GetProperty("rank").GetInt32());
            Assert.Equal(values[p]!.Value, entry.GetProperty("logprob").GetDouble(), 1e-6);
        }

        var streamed = await StreamedEchoLogprobsAsync(http, ids, timeout.Token);
        Assert.Equal(ids.Count, streamed.Length);
        Assert.Null(streamed[0]);
        for (var p = 1; p < ids.Count; p++)
        {
            Assert.Equal(values[p]!.Value, streamed[p]!.Value, 1e-6);
        }
    }

    private static async Task<int[]> TokenizeAsync(HttpClient http, string text, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/tokenize", new { prompt = text }, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return [.. body.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32())];
    }

    /// <summary>The first choice of a whole /v1/completions answer.</summary>
    private static async Task<JsonElement> CompleteAsync(HttpClient http, object request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/v1/completions", request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("choices")[0].Clone();
    }

    /// <summary>The token_logprobs of the first streamed chunk of an echo with logprobs: the prompt's part.</summary>
    private static async Task<double?[]> StreamedEchoLogprobsAsync(HttpClient http, IReadOnlyList<int> prompt, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/v1/completions",
            new { prompt, max_tokens = 1, temperature = 0, echo = true, logprobs = 0, stream = true }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var lines = (await response.Content.ReadAsStringAsync(cancellationToken)).Split('\n');
        var first = lines.First(l => l.StartsWith("data: {", StringComparison.Ordinal));
        using var chunk = JsonDocument.Parse(first["data: ".Length..]);
        return Doubles(chunk.RootElement.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("token_logprobs"));
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static double?[] Doubles(JsonElement array) =>
        [.. array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (double?)null : e.GetDouble())];
}
