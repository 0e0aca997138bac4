using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Inference.Torch;
using Integration.Tests.Support;

namespace Integration.Tests;

/// <summary>`serve --enable-prompt-embeds` of the tiny checkpoint.</summary>
public sealed class PromptEmbedsServedSystem() : ServedSystem("--enable-prompt-embeds");

/// <summary>
/// Completions' prompt_embeds through the real services, sent as a PyTorch client sends them (base64 of
/// torch.save(tensor)): a prompt's own embedding-table rows complete it exactly as its token ids do, greedily, also
/// beside a prompt of token ids (its choice first, as vLLM orders them); without
/// --enable-prompt-embeds they are a 400 naming prompt_embeds.
/// </summary>
public sealed class PromptEmbedsApiTests(PromptEmbedsServedSystem system, ServedSystem plain)
    : IClassFixture<PromptEmbedsServedSystem>, IClassFixture<ServedSystem>
{
    private static readonly int[] Prompt = [9707, 11, 1879, 0];

    [Fact]
    public async Task ThePromptsOwnEmbeddingRows_CompleteAsItsTokensDo()
    {
        using var http = Http(system);
        var fromIds = await ApiCalls.PostAsync(http, "/v1/completions", Body(prompt: Prompt));
        var fromEmbeds = await ApiCalls.PostAsync(http, "/v1/completions", Body(promptEmbeds: EmbeddingRowsBase64(system.ModelDirectory, Prompt)));

        Assert.Equal(Text(fromIds), Text(fromEmbeds));
        Assert.Equal(Prompt.Length, fromEmbeds.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task PromptBesidePromptEmbeds_AnswersBoth_PromptsChoiceFirst()
    {
        using var http = Http(system);
        int[] other = [785, 3974, 13876];
        var fromIds = await ApiCalls.PostAsync(http, "/v1/completions", Body(prompt: Prompt));
        var fromOther = await ApiCalls.PostAsync(http, "/v1/completions", Body(prompt: other));
        var both = await ApiCalls.PostAsync(http, "/v1/completions", Body(prompt: other, promptEmbeds: EmbeddingRowsBase64(system.ModelDirectory, Prompt)));

        var choices = both.GetProperty("choices").EnumerateArray().OrderBy(c => c.GetProperty("index").GetInt32()).ToArray();
        Assert.Equal(2, choices.Length);
        Assert.Equal(Text(fromOther), choices[0].GetProperty("text").GetString());
        Assert.Equal(Text(fromIds), choices[1].GetProperty("text").GetString());
        Assert.Equal(other.Length + Prompt.Length, both.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task WithoutTheFlag_IsA400NamingPromptEmbeds()
    {
        using var http = Http(plain);
        using var response = await http.PostAsJsonAsync("/v1/completions", Body(promptEmbeds: EmbeddingRowsBase64(plain.ModelDirectory, Prompt)));
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("prompt_embeds", error.GetProperty("param").GetString());
        Assert.Contains("--enable-prompt-embeds", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static HttpClient Http(ServedSystem served) =>
        new() { BaseAddress = new Uri($"http://127.0.0.1:{served.HttpPort}"), Timeout = TimeSpan.FromMinutes(1) };

    private static Dictionary<string, object> Body(int[]? prompt = null, string? promptEmbeds = null)
    {
        var body = new Dictionary<string, object> { ["max_tokens"] = 12, ["temperature"] = 0, ["ignore_eos"] = true, ["repetition_penalty"] = 1.0 };
        if (prompt is not null) body["prompt"] = prompt;
        if (promptEmbeds is not null) body["prompt_embeds"] = promptEmbeds;
        return body;
    }

    private static string Text(JsonElement completion) => completion.GetProperty("choices")[0].GetProperty("text").GetString()!;

    /// <summary>
    /// torch.save of the [tokens, hidden] float32 tensor of the checkpoint's embedding-table rows of <paramref name="ids"/>
    /// (model.safetensors' BF16 model.embed_tokens.weight, widened exactly), base64-encoded.
    /// </summary>
    private static string EmbeddingRowsBase64(string modelDirectory, int[] ids)
    {
        var file = File.ReadAllBytes(Path.Combine(modelDirectory, "model.safetensors"));
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(file);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(file, 8, (int)headerLength));
        var table = header.RootElement.GetProperty("model.embed_tokens.weight");
        Assert.Equal("BF16", table.GetProperty("dtype").GetString());
        int hidden = table.GetProperty("shape")[1].GetInt32();
        long start = 8 + headerLength + table.GetProperty("data_offsets")[0].GetInt64();
        var rows = new float[ids.Length * hidden];
        for (int i = 0; i < ids.Length; i++)
        {
            for (int j = 0; j < hidden; j++)
            {
                ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan((int)(start + ((long)ids[i] * hidden + j) * 2)));
                rows[i * hidden + j] = BitConverter.Int32BitsToSingle(bits << 16);
            }
        }

        return Convert.ToBase64String(TorchSaveWriter.WriteTensor([ids.Length, hidden], rows));
    }
}
