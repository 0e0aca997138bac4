using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Integration.Tests.Support;

namespace Integration.Tests.Classification;

/// <summary>
/// /classify end to end on a sequence classifier: the served probabilities equal offline `classify`'s value for value,
/// over the model's own labels, and what a classifier cannot do (generate, embed) is a 400 while /health says ready.
/// </summary>
public sealed class ClassifyApiTests(ClassifierServedSystem system) : IClassFixture<ClassifierServedSystem>
{
    private static readonly string[] Texts = ["I loved every minute of it", "terrible", "The quick brown fox jumps over the lazy dog"];

    [Fact]
    public async Task Classify_EqualsOfflineClassify_OverTheModelsLabels()
    {
        using var http = Http();
        var served = await ApiCalls.PostAsync(http, "/v1/classify", new { model = system.ModelName, input = Texts });
        var offline = await OfflineAsync();

        var data = served.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(Texts.Length, data.Length);
        for (int i = 0; i < data.Length; i++)
        {
            var probs = data[i].GetProperty("probs").EnumerateArray().Select(p => p.GetSingle()).ToArray();
            Assert.Equal(ClassifierServedSystem.Labels.Length, data[i].GetProperty("num_classes").GetInt32());
            Assert.Equal(1.0, probs.Sum(p => (double)p), 5);
            // Within float32 rounding: how the engine batches the inputs (one step or several) changes the matmuls' summation order.
            Assert.Equal(offline[i].GetProperty("probs").EnumerateArray().Select(p => p.GetSingle()), probs, (a, b) => Math.Abs(a - b) <= 1e-6f);
            Assert.Equal(offline[i].GetProperty("label").GetString(), data[i].GetProperty("label").GetString());
            Assert.Contains(data[i].GetProperty("label").GetString(), ClassifierServedSystem.Labels);
        }

        Assert.Equal(offline.Sum(line => line.GetProperty("prompt_tokens").GetInt32()), served.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Pooling_AnswersTheProbabilitiesOfClassify()
    {
        using var http = Http();
        var pooled = await ApiCalls.PostAsync(http, "/pooling", new { input = Texts });
        var classified = await ApiCalls.PostAsync(http, "/classify", new { input = Texts });

        // Within float32 rounding, as the two requests may be batched differently.
        Assert.Equal(
            classified.GetProperty("data").EnumerateArray().SelectMany(d => d.GetProperty("probs").EnumerateArray().Select(p => p.GetSingle())),
            pooled.GetProperty("data").EnumerateArray().SelectMany(d => d.GetProperty("data").EnumerateArray().Select(p => p.GetSingle())),
            (a, b) => Math.Abs(a - b) <= 1e-6f);
    }

    [Theory]
    [InlineData("/v1/completions", """{"prompt": "hello", "max_tokens": 4}""")]
    [InlineData("/v1/chat/completions", """{"messages": [{"role": "user", "content": "hello"}]}""")]
    [InlineData("/v1/embeddings", """{"input": "hello"}""")]
    public async Task WhatAClassifierCannotDo_IsA400SayingSo(string path, string json)
    {
        using var http = Http();
        using var response = await http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("sequence classifier", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
    }

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = TimeSpan.FromMinutes(1) };

    private async Task<JsonElement[]> OfflineAsync()
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), ["classify", "--model", system.ModelDirectory, .. Texts.SelectMany(t => new[] { "--prompt", t })]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return [.. run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];
    }
}

/// <summary>
/// /rerank and /score end to end with a causal LM converted into a cross-encoder as vLLM converts Qwen3-Reranker: each
/// pair's relevance is the sigmoid of offline `classify`'s raw logit of query + document (the same --hf-overrides), and
/// markup in the query (Qwen3-Reranker's chat prompt) is read as special tokens.
/// </summary>
public sealed class RerankerApiTests(RerankerServedSystem system) : IClassFixture<RerankerServedSystem>
{
    private const string Query = "What is the capital of China? ";
    private static readonly string[] Documents = ["The capital of China is Beijing.", "Gravity is a force.", "Paris"];

    [Fact]
    public async Task Rerank_ScoresEachPairAsTheSigmoidOfItsLogit()
    {
        using var http = Http();
        var served = await ApiCalls.PostAsync(http, "/v1/rerank", new { query = Query, documents = Documents });
        var logits = await OfflineLogitsAsync([.. Documents.Select(d => Query + d)]);

        var results = served.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(Documents.Length, results.Length);
        var scores = results.ToDictionary(r => r.GetProperty("index").GetInt32(), r => r.GetProperty("relevance_score").GetDouble());
        for (int i = 0; i < Documents.Length; i++)
        {
            Assert.Equal(1 / (1 + Math.Exp(-logits[i])), scores[i], 6);
        }

        Assert.Equal(scores.Values.OrderByDescending(s => s), results.Select(r => r.GetProperty("relevance_score").GetDouble()));
    }

    [Fact]
    public async Task Score_UseActivationFalse_AnswersTheLogits_AndReadsMarkupAsSpecialTokens()
    {
        using var http = Http();
        var raw = await ApiCalls.PostAsync(http, "/score", new { text_1 = Query, text_2 = Documents, use_activation = false });
        var logits = await OfflineLogitsAsync([.. Documents.Select(d => Query + d)]);
        var marked = await ApiCalls.PostAsync(http, "/score", new { text_1 = "<|im_start|>user\n" + Query, text_2 = Documents[0] });
        var tokens = await ApiCalls.TokenizeAsync(http, "<|im_start|>user\n" + Query + Documents[0], addSpecialTokens: false);

        Assert.Equal(logits, raw.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("score").GetDouble()), (a, b) => Math.Abs(a - b) < 1e-5);
        // /tokenize parses special tokens in a prompt, as the cross-encoder's pair prompt does: one token for <|im_start|>.
        Assert.Equal(tokens.Length, marked.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Contains(151644, tokens);
    }

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = TimeSpan.FromMinutes(1) };

    private async Task<double[]> OfflineLogitsAsync(IReadOnlyList<string> prompts)
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2),
            ["classify", "--model", system.ModelDirectory, "--no-activation", "--hf-overrides", RerankerServedSystem.Overrides, .. prompts.SelectMany(p => new[] { "--prompt", p })]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return [.. run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("probs")[0].GetDouble())];
    }
}

/// <summary>
/// A score template end to end: the served score of a pair is offline `classify`'s raw logit of the template rendered
/// over it (the rendered text tokenized as /tokenize does, special tokens parsed).
/// </summary>
public sealed class TemplatedRerankerApiTests(TemplatedRerankerServedSystem system) : IClassFixture<TemplatedRerankerServedSystem>
{
    [Fact]
    public async Task Score_IsTheLogitOfTheRenderedTemplate()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = TimeSpan.FromMinutes(1) };
        string[] documents = ["The capital of China is Beijing.", "Gravity is a force."];
        var served = await ApiCalls.PostAsync(http, "/v1/score", new { text_1 = "capital of China", text_2 = documents, use_activation = false });

        var scores = served.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("score").GetDouble()).ToArray();
        int promptTokens = 0;
        for (int i = 0; i < documents.Length; i++)
        {
            var ids = await ApiCalls.TokenizeAsync(http, TemplatedRerankerServedSystem.Rendered("capital of China", documents[i]));
            promptTokens += ids.Length;
            var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2),
                ["classify", "--model", system.ModelDirectory, "--no-activation", "--hf-overrides", RerankerServedSystem.Overrides, "--prompt-ids", string.Join(',', ids)]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var logit = JsonDocument.Parse(run.Stdout.Trim()).RootElement.GetProperty("probs")[0].GetDouble();
            Assert.Equal(logit, scores[i], 5);
        }

        Assert.Equal(promptTokens, served.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }
}
