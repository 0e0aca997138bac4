using System.Text.Json;
using Integration.Tests.Lora;
using Integration.Tests.Support;

namespace Integration.Tests;

/// <summary>
/// The completions API's suffix through the real services and the real Qwen tokenizer: the model's prompt is
/// &lt;|fim_prefix|&gt; prefix &lt;|fim_suffix|&gt; suffix &lt;|fim_middle|&gt; (ids 151659, 151661, 151660), and the
/// answer is the completion of exactly that token-id prompt.
/// </summary>
public sealed class InfillApiTests(ServedSystem system) : IClassFixture<ServedSystem>
{
    private const int FimPrefix = 151659, FimMiddle = 151660, FimSuffix = 151661;

    [Fact]
    public async Task Suffix_PromptIsThePrefixAndSuffixAroundTheFimTokens_AndTheAnswerItsCompletion()
    {
        using var http = LoraRequests.Http(system);
        const string prefix = "def add(a, b):\n    ", suffix = "\n\nprint(add(1, 2))\n";
        var prefixIds = await TokenizeAsync(http, prefix);
        var suffixIds = await TokenizeAsync(http, suffix);

        var infill = await CompleteAsync(http, new { prompt = prefix, suffix, max_tokens = 12, temperature = 0, ignore_eos = true, return_token_ids = true });
        int[] expectedPrompt = [FimPrefix, .. prefixIds, FimSuffix, .. suffixIds, FimMiddle];
        var plain = await CompleteAsync(http, new { prompt = expectedPrompt, max_tokens = 12, temperature = 0, ignore_eos = true, return_token_ids = true });

        Assert.Equal(expectedPrompt, PromptIds(infill));
        Assert.Equal(Text(plain), Text(infill));
        Assert.Equal(expectedPrompt.Length, infill.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Suffix_WithTokenIdPromptAndEmptyPrefix_Infills()
    {
        using var http = LoraRequests.Http(system);
        var suffixIds = await TokenizeAsync(http, "return x");

        var fromIds = await CompleteAsync(http, new { prompt = new[] { 1, 2, 3 }, suffix = "return x", max_tokens = 4, return_token_ids = true });
        var empty = await CompleteAsync(http, new { prompt = "", suffix = "return x", max_tokens = 4, return_token_ids = true });

        Assert.Equal([FimPrefix, 1, 2, 3, FimSuffix, .. suffixIds, FimMiddle], PromptIds(fromIds));
        Assert.Equal([FimPrefix, FimSuffix, .. suffixIds, FimMiddle], PromptIds(empty));
    }

    private static Task<int[]> TokenizeAsync(HttpClient http, string text) => ApiCalls.TokenizeAsync(http, text, addSpecialTokens: false);

    private static Task<JsonElement> CompleteAsync(HttpClient http, object body) => ApiCalls.PostAsync(http, "/v1/completions", body);

    private static int[] PromptIds(JsonElement response) =>
        [.. response.GetProperty("choices")[0].GetProperty("prompt_token_ids").EnumerateArray().Select(t => t.GetInt32())];

    private static string Text(JsonElement response) => response.GetProperty("choices")[0].GetProperty("text").GetString()!;
}
