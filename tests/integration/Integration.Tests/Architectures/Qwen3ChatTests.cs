using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Integration.Tests.Architectures;

/// <summary>
/// A Qwen3 checkpoint served end to end: the chat template with thinking off (vLLM's
/// <c>chat_template_kwargs: {"enable_thinking": false}</c>) through the HTTP API, compared with offline `generate`, and
/// a think block split off by the reasoning parser.
/// </summary>
public sealed class Qwen3ChatTests(Qwen3ServedSystem system) : IClassFixture<Qwen3ServedSystem>
{
    private const string Prompt = "Give me a short introduction to large language models.";
    private const int MaxTokens = 12;
    private const string ThinkingOff = "{\"enable_thinking\": false}";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task ChatCompletion_WithThinkingOff_EqualsOfflineGenerateTokenForToken()
    {
        var offline = await OfflineAsync();
        var offlineIds = offline.GetProperty("token_ids").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        using var http = Http();

        var completion = await PostAsync(http, "/v1/chat/completions", new JsonObject
        {
            ["model"] = system.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = Prompt }),
            ["max_tokens"] = MaxTokens,
            ["temperature"] = 0,
            ["ignore_eos"] = true,
            ["logprobs"] = true,
            ["chat_template_kwargs"] = JsonNode.Parse(ThinkingOff),
        });

        var choice = completion.GetProperty("choices")[0];
        var servedTokens = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray()
            .Select(t => t.GetProperty("token").GetString()).ToArray();
        var offlineTokens = new List<string?>();
        foreach (var id in offlineIds) offlineTokens.Add(await TokenTextAsync(http, id));
        Assert.Equal(MaxTokens, offlineIds.Length);
        Assert.Equal(offlineTokens, servedTokens);
        Assert.Equal(offline.GetProperty("text").GetString(), choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(offline.GetProperty("prompt_token_ids").GetArrayLength(), completion.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task OfflineChatPrompt_WithThinkingOff_EndsWithAnEmptyThinkBlock()
    {
        var offline = await OfflineAsync();
        using var http = Http();

        var promptText = await PostAsync(http, "/detokenize", new JsonObject
        {
            ["model"] = system.ModelName,
            ["tokens"] = JsonNode.Parse(offline.GetProperty("prompt_token_ids").GetRawText()),
        });

        Assert.EndsWith($"<|im_start|>user\n{Prompt}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
            promptText.GetProperty("prompt").GetString());
    }

    /// <summary>
    /// A random checkpoint does not think by itself, so a regex makes it write a think block, as Qwen3 does with thinking
    /// on; the reasoning parser moves the block to message.reasoning, whole and streamed alike (greedy, so the same text).
    /// Thinking is off in the template, so the prompt has closed its block and the regex holds from the first token.
    /// </summary>
    [Fact]
    public async Task ChatCompletion_WithAThinkBlock_HasItInReasoningAndTheRestInContent_WholeAndStreamed()
    {
        using var http = Http();
        JsonObject Request(bool stream) => new()
        {
            ["model"] = system.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Is 9.11 larger than 9.8?" }),
            ["max_tokens"] = 40,
            ["temperature"] = 0,
            ["guided_regex"] = "<think>\\n[a-z]{2,6}( [a-z]{2,6}){0,2}\\n</think>\\n\\n[a-z]{2,8}",
            ["chat_template_kwargs"] = JsonNode.Parse(ThinkingOff),
            ["stream"] = stream,
        };

        var message = (await PostAsync(http, "/v1/chat/completions", Request(stream: false))).GetProperty("choices")[0].GetProperty("message");
        using var streamed = await http.PostAsJsonAsync("/v1/chat/completions", Request(stream: true));
        var deltas = (await streamed.Content.ReadAsStringAsync())
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..])
            .Where(e => e != "[DONE]")
            .Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("delta"))
            .ToList();

        var reasoning = message.GetProperty("reasoning").GetString()!;
        Assert.Matches("^[a-z]{2,6}( [a-z]{2,6}){0,2}$", reasoning);
        Assert.Equal(reasoning, message.GetProperty("reasoning_content").GetString());
        Assert.Matches("^[a-z]{2,8}$", message.GetProperty("content").GetString());
        Assert.Equal(reasoning, string.Concat(deltas.Select(d => d.TryGetProperty("reasoning", out var r) ? r.GetString() : "")));
        Assert.Equal(message.GetProperty("content").GetString(), string.Concat(deltas.Select(d => d.TryGetProperty("content", out var c) ? c.GetString() : "")));
    }

    /// <summary>
    /// Under the reasoning parser a structured output starts after the reasoning, as vLLM's does: with thinking on the
    /// grammar waits for &lt;/think&gt; (here forced as the first token by a bias, which a grammar holding the first token
    /// would have masked) and holds what follows; with thinking off the prompt has closed the block, so it holds all.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task JsonSchema_StartsAfterTheReasoning(bool thinking)
    {
        using var http = Http();
        const int closeTag = 151668;

        var message = (await PostAsync(http, "/v1/chat/completions", new JsonObject
        {
            ["model"] = system.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Answer in JSON." }),
            ["max_tokens"] = 60,
            ["temperature"] = 0,
            ["response_format"] = JsonNode.Parse("""
                {"type": "json_schema", "json_schema": {"name": "answer", "strict": true,
                 "schema": {"type": "object", "properties": {"answer": {"enum": ["yes", "no"]}}, "required": ["answer"]}}}
                """),
            ["logit_bias"] = new JsonObject { [closeTag.ToString()] = 100 },
            ["chat_template_kwargs"] = JsonNode.Parse(thinking ? "{}" : ThinkingOff),
        })).GetProperty("choices")[0].GetProperty("message");

        var content = message.GetProperty("content").GetString()!;
        // The random checkpoint does not open a think block itself, so to the qwen3 parser its answer is all content.
        var json = thinking ? content[(content.StartsWith("</think>", StringComparison.Ordinal) ? "</think>".Length : throw new Xunit.Sdk.XunitException($"expected the close tag first: {content}"))..] : content;
        using var parsed = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
    }

    [Fact]
    public async Task Serve_WithAnUnknownReasoningParser_FailsNamingTheFlagAndTheKnownOnes()
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(1), "serve", "--model", system.ModelDirectory, "--reasoning-parser", "qwen2");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--reasoning-parser must be one of qwen3, deepseek_r1, got 'qwen2'", run.Stderr);
    }

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{system.HttpPort}"), Timeout = RequestTimeout };

    private async Task<JsonElement> OfflineAsync()
    {
        var run = await CliProgram.RunAsync(TimeSpan.FromMinutes(2), "generate", "--model", system.ModelDirectory, "--chat",
            "--chat-template-kwargs", ThinkingOff, "--prompt", Prompt, "--max-tokens", MaxTokens.ToString(), "--ignore-eos");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout.Trim());
        return json.RootElement.Clone();
    }

    /// <summary>One id's text as the served tokenizer decodes it (special tokens kept), as chat logprobs show each token.</summary>
    private async Task<string?> TokenTextAsync(HttpClient http, int id)
    {
        var body = await PostAsync(http, "/detokenize", new JsonObject { ["model"] = system.ModelName, ["tokens"] = new JsonArray(id) });
        return body.GetProperty("prompt").GetString();
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, JsonObject body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {json}");
        return json;
    }
}
