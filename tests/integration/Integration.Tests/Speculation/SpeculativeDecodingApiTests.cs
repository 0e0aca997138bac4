using System.Net.Http.Json;
using System.Text.Json;
using Integration.Tests.Lora;

namespace Integration.Tests.Speculation;

/// <summary>
/// Speculative decoding through the real services: greedy completions with drafts are token for token (and logprob for
/// logprob) what offline `generate` gives without them, seeded sampled ones too, drafts really were accepted (vLLM's spec_decode counters), and
/// a stop string met inside a step's accepted drafts ends the answer at the token that completes it, as decoding one
/// token a step does, and structured output with drafts is the grammar's greedy answer.
/// </summary>
public sealed class SpeculativeDecodingApiTests(SpeculativeServedSystem system) : IClassFixture<SpeculativeServedSystem>
{
    private static readonly string[] Prompts = ["SELECT", "hello world", "The quick brown fox", "Once upon a time, in a land far away,"];

    [Fact]
    public async Task GreedyCompletions_EqualOfflineDecoding_AndDraftsWereAccepted()
    {
        using var http = LoraRequests.Http(system);
        var before = await AcceptedAsync(http);

        foreach (var prompt in Prompts)
        {
            var offline = await OfflineAsync(prompt, 40);
            var served = await CompleteAsync(http, new { prompt, max_tokens = 40, temperature = 0, ignore_eos = true, return_token_ids = true, logprobs = 2 });

            Assert.Equal(offline.Ids, served.Ids);
            for (int i = 0; i < offline.Ids.Length; i++)
            {
                Assert.Equal(offline.Logprobs[i], served.Logprobs[i], 1e-3);
            }
        }

        Assert.True(await AcceptedAsync(http) > before + 20, "hardly any draft token was accepted: speculation did not run");
    }

    [Fact]
    public async Task SeededSampledCompletions_EqualOfflineDecodingWithTheSeed()
    {
        // A low temperature: the random model's distributions are nearly flat, and only a peaked one repeats itself
        // enough to draft; every token is still a draw from the request's seeded generator.
        using var http = LoraRequests.Http(system);
        var before = await AcceptedAsync(http);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var offline = await OfflineAsync("The quick brown fox", 48, "--ignore-eos", "--temperature", "0.05", "--top-p", "0.95", "--seed", seed.ToString());
            var served = await CompleteAsync(http, new
            {
                prompt = "The quick brown fox", max_tokens = 48, temperature = 0.05, top_p = 0.95, seed, ignore_eos = true, return_token_ids = true, logprobs = 2,
            });

            Assert.Equal(offline.Ids, served.Ids);
        }

        Assert.True(await AcceptedAsync(http) > before + 10, "hardly any draft token was accepted: sampled requests did not draft");
    }

    [Fact]
    public async Task AStopStringInsideAcceptedDrafts_EndsTheAnswerAtTheTokenThatCompletesIt()
    {
        using var http = LoraRequests.Http(system);
        var offline = await OfflineAsync("hello world", 40);
        // Three tokens of a run of one repeated token: the third arrives first among a step's accepted drafts (the run's
        // first token ends a step as the worker's own, the second is decoded alone, then the run is drafted whole), so
        // the stop string is completed with more tokens after it in the same step.
        var run = Enumerable.Range(2, offline.Ids.Length - 4).First(i =>
            offline.Ids[i] == offline.Ids[i - 1] && offline.Ids[i] == offline.Ids[i - 2] && offline.Ids[i + 1] == offline.Ids[i] && offline.Ids[i - 3] != offline.Ids[i]);
        var stop = await DetokenizeAsync(http, offline.Ids[(run - 2)..(run + 1)]);
        var firstWithStop = Enumerable.Range(1, offline.Ids.Length).First(n => DetokenizeAsync(http, offline.Ids[..n]).Result.Contains(stop, StringComparison.Ordinal));

        var served = await CompleteAsync(http, new { prompt = "hello world", max_tokens = 40, temperature = 0, ignore_eos = true, return_token_ids = true, stop = new[] { stop } });

        Assert.Equal("stop", served.FinishReason);
        Assert.Equal(offline.Ids[..firstWithStop], served.Ids);
        Assert.Equal(firstWithStop, served.CompletionTokens);
        Assert.DoesNotContain(stop, served.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StructuredOutput_WithDrafts_IsTheGrammarsGreedyAnswer()
    {
        const string Schema = """{"type":"object","properties":{"a":{"type":"array","items":{"type":"integer"},"maxItems":8}},"required":["a"]}""";
        using var http = LoraRequests.Http(system);
        var offline = await OfflineAsync("hello world", 120, "--json-schema", Schema);

        var served = await CompleteAsync(http, new
        {
            prompt = "hello world", max_tokens = 120, temperature = 0, return_token_ids = true,
            response_format = new { type = "json_schema", json_schema = new { name = "a", schema = JsonDocument.Parse(Schema).RootElement } },
        });

        Assert.Equal(offline.Ids, served.Ids);
        using var _ = JsonDocument.Parse(served.Text);
    }

    private async Task<(int[] Ids, double[] Logprobs)> OfflineAsync(string prompt, int maxTokens, params string[] more)
    {
        string[] eos = more.Length == 0 ? ["--ignore-eos"] : [];
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2),
            ["generate", "--model", system.ModelDirectory, "--prompt", prompt, "--max-tokens", maxTokens.ToString(), .. eos, "--logprobs", "2", .. more]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout.Trim());
        return ([.. json.RootElement.GetProperty("token_ids").EnumerateArray().Select(t => t.GetInt32())],
            [.. json.RootElement.GetProperty("logprobs").EnumerateArray().Select(t => t.GetDouble())]);
    }

    private static async Task<(int[] Ids, double[] Logprobs, string Text, string FinishReason, int CompletionTokens)> CompleteAsync(HttpClient http, object body)
    {
        using var response = await http.PostAsJsonAsync("/v1/completions", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        var choice = json.RootElement.GetProperty("choices")[0];
        double[] logprobs = choice.GetProperty("logprobs") is { ValueKind: JsonValueKind.Object } l
            ? [.. l.GetProperty("token_logprobs").EnumerateArray().Select(t => t.GetDouble())]
            : [];
        return ([.. choice.GetProperty("token_ids").EnumerateArray().Select(t => t.GetInt32())], logprobs, choice.GetProperty("text").GetString()!,
            choice.GetProperty("finish_reason").GetString()!, json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    private static async Task<string> DetokenizeAsync(HttpClient http, int[] ids)
    {
        using var response = await http.PostAsJsonAsync("/detokenize", new { tokens = ids });
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("prompt").GetString()!;
    }

    private static async Task<double> AcceptedAsync(HttpClient http) =>
        PrometheusText.Samples(await PrometheusText.ScrapeAsync(http, CancellationToken.None), "vllm:spec_decode_num_accepted_tokens_total").Sum(s => s.Value);
}
