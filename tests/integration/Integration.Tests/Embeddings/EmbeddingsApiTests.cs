using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using Integration.Tests.Support;
using OpenAI;
using OpenAI.Embeddings;

namespace Integration.Tests.Embeddings;

/// <summary>
/// /v1/embeddings end to end on an embedding checkpoint: the official .NET SDK against offline `embed`, the tokenizer's
/// appended end-of-text, matryoshka dimensions, and the prefix cache shared by embedding requests.
/// </summary>
public sealed class EmbeddingsApiTests(EmbeddingServedSystem system) : IClassFixture<EmbeddingServedSystem>
{
    private const int EndOfText = 151643;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    private EmbeddingClient Client() => new(system.ModelName, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = system.ApiBase });

    [Fact]
    public async Task Embeddings_WithSdk_EqualOfflineEmbedValueForValue()
    {
        string[] texts = ["hello world", "The quick brown fox jumps over the lazy dog"];
        var offline = await OfflineAsync([.. texts.SelectMany(t => new[] { "--prompt", t })]);

        var served = await Client().GenerateEmbeddingsAsync(texts).WaitAsync(RequestTimeout);

        Assert.Equal(2, served.Value.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            // Within float32 rounding: how the engine batches the inputs (one step or several) changes the matmuls' summation order.
            Assert.Equal(offline[i].Embedding, served.Value[i].ToFloats().ToArray(), (a, b) => Math.Abs(a - b) <= 1e-6f);
            Assert.Equal(1.0, Math.Sqrt(offline[i].Embedding.Sum(v => (double)v * v)), 4);
        }

        Assert.Equal(offline.Sum(o => o.PromptTokens), served.Value.Usage.InputTokenCount);
    }

    [Fact]
    public async Task Pooling_AnswersTheEmbeddingsOfTheEmbeddingsApi()
    {
        string[] texts = ["hello world", "The quick brown fox jumps over the lazy dog"];
        using var http = Http();

        var pooled = await ApiCalls.PostAsync(http, "/pooling", new { model = system.ModelName, input = texts });
        var served = await Client().GenerateEmbeddingsAsync(texts).WaitAsync(RequestTimeout);

        var data = pooled.GetProperty("data").EnumerateArray().ToArray();
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal("pooling", data[i].GetProperty("object").GetString());
            // Within float32 rounding, as the two requests may be batched differently.
            Assert.Equal(served.Value[i].ToFloats().ToArray(), data[i].GetProperty("data").EnumerateArray().Select(v => v.GetSingle()), (a, b) => Math.Abs(a - b) <= 1e-6f);
        }
    }

    [Fact]
    public async Task Embeddings_Text_IsEncodedWithTheAppendedEndOfText_AsTheTokenIdsAre()
    {
        using var http = Http();
        var ids = await TokenizeAsync(http, "hello world");
        Assert.Equal(EndOfText, ids[^1]);

        var text = await EmbedAsync(http, new { model = system.ModelName, input = "hello world" });
        var tokens = await EmbedAsync(http, new { model = system.ModelName, input = ids });
        var withoutEnd = await EmbedAsync(http, new { model = system.ModelName, input = "hello world", add_special_tokens = false });

        Assert.Equal(Vector(tokens, 0), Vector(text, 0));
        Assert.NotEqual(Vector(text, 0), Vector(withoutEnd, 0));
        Assert.Equal(ids.Length, text.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(ids.Length - 1, withoutEnd.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_Messages_EmbedTheChatTemplatesRenderingWithoutAGenerationPrompt()
    {
        using var http = Http();
        var messages = new[] { new { role = "system", content = "Represent the query" }, new { role = "user", content = "hello world" } };
        using var tokenized = await http.PostAsJsonAsync("/tokenize", new { model = system.ModelName, messages, add_generation_prompt = false });
        using var tokens = JsonDocument.Parse(await tokenized.Content.ReadAsStringAsync());
        var ids = tokens.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();

        var chat = await EmbedAsync(http, new { model = system.ModelName, messages });
        var rendered = await EmbedAsync(http, new { model = system.ModelName, input = ids });

        Assert.Equal(Vector(rendered, 0), Vector(chat, 0));
        Assert.Equal(ids.Length, chat.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_Dimensions_AreThePrefixOfTheRawEmbeddingRenormalized()
    {
        var raw = (await OfflineAsync("--prompt", "matryoshka", "--no-normalize"))[0].Embedding;

        var served = await Client().GenerateEmbeddingAsync("matryoshka", new EmbeddingGenerationOptions { Dimensions = 8 }).WaitAsync(RequestTimeout);

        var prefix = raw[..8];
        var norm = MathF.Sqrt(prefix.Sum(v => v * v));
        Assert.Equal(prefix.Select(v => v / norm), served.Value.ToFloats().ToArray(), (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public async Task Embeddings_LongPromptTwice_TheSecondIsServedFromThePrefixCache()
    {
        using var http = Http();
        var text = string.Join(' ', Enumerable.Range(0, 60).Select(i => $"word{i}"));
        var hitsBefore = await PrefixCacheHitsAsync(http);

        var first = await EmbedAsync(http, new { model = system.ModelName, input = text });
        var second = await EmbedAsync(http, new { model = system.ModelName, input = text });

        Assert.Equal(Vector(first, 0), Vector(second, 0));
        var promptTokens = first.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        Assert.True(promptTokens > 32, $"prompt of {promptTokens} tokens");
        // Every full 16-token block but the one holding the last token (which is always computed again) is a hit.
        Assert.True(await PrefixCacheHitsAsync(http) - hitsBefore >= (promptTokens - 1) / 16 * 16);
    }

    [Fact]
    public async Task Embeddings_DimensionsBeyondTheModel_IsA400NamingTheField()
    {
        using var http = Http();

        using var response = await http.PostAsJsonAsync("/v1/embeddings", new { model = system.ModelName, input = "x", dimensions = 100_000 });

        Assert.Equal(400, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("dimensions", body.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = RequestTimeout };

    private static float[] Vector(JsonElement response, int index) =>
        [.. response.GetProperty("data")[index].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())];

    private static Task<JsonElement> EmbedAsync(HttpClient http, object body) => ApiCalls.PostAsync(http, "/v1/embeddings", body);

    private static Task<int[]> TokenizeAsync(HttpClient http, string text) => ApiCalls.TokenizeAsync(http, text);

    private static async Task<double> PrefixCacheHitsAsync(HttpClient http) =>
        PrometheusText.Sum(await http.GetStringAsync("/metrics"), "vllm:prefix_cache_hits_total");

    private async Task<(float[] Embedding, int PromptTokens)[]> OfflineAsync(params string[] args)
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), ["embed", "--model", system.ModelDirectory, .. args]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return [.. run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ParseOfflineLine)];
    }

    private static (float[] Embedding, int PromptTokens) ParseOfflineLine(string line)
    {
        using var json = JsonDocument.Parse(line);
        float[] embedding = [.. json.RootElement.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())];
        return (embedding, json.RootElement.GetProperty("prompt_tokens").GetInt32());
    }
}
