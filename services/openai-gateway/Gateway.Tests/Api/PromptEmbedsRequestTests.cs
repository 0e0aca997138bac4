using Gateway.Tests.Hosting;
using Inference.Contracts.Scheduler.V1;
using Inference.Contracts.Mapping;
using Inference.Torch;

namespace Gateway.Tests.Api;

/// <summary>
/// Completions' prompt_embeds: each base64 torch.save(tensor) reaches the scheduler as rows of float32 values (a
/// [1, tokens, hidden] tensor squeezed, half and bfloat16 widened), one prompt per item, after prompt's when both are
/// sent; what is no such tensor, or echo with it, is a 400 naming the field.
/// </summary>
public sealed class PromptEmbedsRequestTests(GatewayHost host) : IClassFixture<GatewayHost>
{
    private static readonly float[] Values = [.. Enumerable.Range(0, 12).Select(i => i * 0.25f - 1.5f)];

    private static string Base64(long[] shape, TorchSaveWriter.StorageType storage = TorchSaveWriter.StorageType.Float) =>
        Convert.ToBase64String(TorchSaveWriter.WriteTensor(shape, Values, storage));

    [Fact]
    public async Task Tensors_ReachTheSchedulerAsRows_OnePromptEach()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions",
            $$"""{"prompt_embeds": ["{{Base64([3, 4])}}", "{{Base64([1, 2, 6], TorchSaveWriter.StorageType.BFloat16)}}"], "max_tokens": 2, "request_id": "pe"}""");

        Assert.Equal(200, answer.Status);
        var sent = host.Scheduler.Requests.Where(r => r.RequestId.StartsWith("cmpl-pe", StringComparison.Ordinal)).OrderBy(r => r.RequestId).ToArray();
        Assert.Equal(2, sent.Length);
        Assert.Equal([3, 2], sent.Select(r => r.PromptEmbeds.Rows));
        Assert.All(sent, r => Assert.Equal(Values, FloatBytes.ToFloats(r.PromptEmbeds.Values)));
    }

    [Fact]
    public async Task BesidePrompt_EmbeddingsArePromptsOfTheirOwn_AfterPromptsChoices()
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions",
            $$"""{"prompt": ["text one", "text two"], "prompt_embeds": "{{Base64([3, 4])}}", "max_tokens": 2, "request_id": "mixed"}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal([0, 1, 2], answer.Json.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        var sent = host.Scheduler.Requests.Where(r => r.RequestId.StartsWith("cmpl-mixed", StringComparison.Ordinal)).OrderBy(r => r.RequestId).ToArray();
        Assert.Equal(3, sent.Length);
        Assert.Equal(["text one", "text two", ""], sent.Select(r => r.Text));
        Assert.Equal(3, sent[2].PromptEmbeds.Rows);
        Assert.Equal(GenerateRequest.PromptOneofCase.PromptEmbeds, sent[2].PromptCase);
    }

    [Fact]
    public async Task MoreThan128PromptsInAll_IsA400()
    {
        var texts = string.Join(",", Enumerable.Repeat("\"t\"", 128));
        var answer = await host.Http.PostJsonAsync("/v1/completions", $$"""{"prompt": [{{texts}}], "prompt_embeds": "{{Base64([3, 4])}}"}""");

        Assert.Equal(400, answer.Status);
        Assert.Contains("129 prompts", answer.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"prompt_embeds": "not base64!"}""", "prompt_embeds", "is not base64")]
    [InlineData("""{"prompt_embeds": "AAAA"}""", "prompt_embeds", "is not a [tokens, hidden_size] tensor saved with torch.save")]
    [InlineData("""{"prompt_embeds": []}""", "prompt_embeds", "an array of 1 to 128")]
    [InlineData("""{"prompt_embeds": [7]}""", "prompt_embeds", "prompt_embeds[0] must be a base64 string")]
    [InlineData("""{"prompt_embeds": null}""", "prompt", "prompt or prompt_embeds is required")]
    public async Task WhatIsNoPromptEmbedding_IsA400NamingTheField(string json, string param, string message)
    {
        var answer = await host.Http.PostJsonAsync("/v1/completions", json);

        Assert.Equal(400, answer.Status);
        Assert.Equal(param, answer.Json.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains(message, answer.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AVectorOrEcho_IsA400()
    {
        var vector = await host.Http.PostJsonAsync("/v1/completions", $$"""{"prompt_embeds": "{{Base64([12])}}"}""");
        var echo = await host.Http.PostJsonAsync("/v1/completions", $$"""{"prompt_embeds": "{{Base64([3, 4])}}", "echo": true}""");

        Assert.Contains("got shape [12]", vector.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("echo", echo.Json.GetProperty("error").GetProperty("param").GetString());
    }
}
