using System.Text.Json;
using Gateway.Api.Errors;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Backends;

namespace Gateway.Api.Completions;

/// <summary>A validated <c>POST /v1/completions</c> body.</summary>
/// <param name="Model">The requested model, or null for the served one.</param>
/// <param name="Prompts">One or more prompts, each text or token ids (prompt) or input embeddings (prompt_embeds, after prompt's); each gets n choices.</param>
/// <param name="Sampling">How to generate.</param>
/// <param name="Logprobs">Alternatives per token to return, or null for no logprobs.</param>
/// <param name="Stream">Streaming settings.</param>
/// <param name="Priority">vLLM's priority extra.</param>
/// <param name="Echo">Put each prompt's text before its choices' text (and, with logprobs, its tokens before theirs).</param>
/// <param name="N">Choices returned per prompt; <see cref="GenerationParams.N"/> of <paramref name="Sampling"/> is
/// best_of, the sequences generated per prompt, of which the N most likely are returned.</param>
/// <param name="TokensAsIds">vLLM's return_tokens_as_token_ids: logprobs name tokens "token_id:{id}".</param>
/// <param name="ReturnTokenIds">vLLM's return_token_ids: each choice carries its prompt's ids and its generated ids.</param>
/// <param name="RequestId">vLLM's request_id, or null.</param>
public sealed record CompletionRequest(
    string? Model,
    IReadOnlyList<Prompt> Prompts,
    GenerationParams Sampling,
    int? Logprobs,
    StreamSettings Stream,
    int Priority,
    bool Echo,
    int N,
    bool TokensAsIds = false,
    bool ReturnTokenIds = false,
    string? RequestId = null)
{
    /// <summary>OpenAI's default for the legacy completions API.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>Most prompts one request may list.</summary>
    public const int MaxPrompts = 128;

    public static CompletionRequest Read(RequestFields fields)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Completions);

        // Absent means OpenAI's 16; an explicit null means "up to the context limit", as in vLLM.
        var maxTokens = fields.Root.TryGetProperty("max_tokens", out _)
            ? SamplingFields.ReadMaxTokens(fields, "max_tokens")
            : DefaultMaxTokens;
        int? logprobs = fields.Raw("logprobs") is null ? null : SamplingFields.ReadLogprobCount(fields, "logprobs");
        var sampling = SamplingFields.Read(fields, maxTokens, logprobs ?? 0);
        var stream = StreamSettings.Read(fields);
        var bestOf = fields.Int("best_of") ?? sampling.N;
        SamplingFields.Require(bestOf >= sampling.N && bestOf <= GenerationParams.MaxN, "best_of",
            $"best_of must be in [n, {GenerationParams.MaxN}] (n is {sampling.N}), got {bestOf}.");
        SamplingFields.Require(!stream.Stream || bestOf == sampling.N, "best_of",
            "best_of cannot be greater than n when streaming: the best choices are known only at the end.");
        SamplingFields.Require(!sampling.UseBeamSearch || bestOf == sampling.N, "best_of",
            "best_of does not apply to beam search: n is the beam width, and the n best beams are returned.");

        // As vLLM: echo with logprobs scores the prompt with as many alternatives, unless prompt_logprobs says otherwise.
        var echo = fields.Bool("echo") ?? false;
        var promptLogprobs = sampling.PromptLogprobs ?? (echo ? logprobs : null);
        // As vLLM: prompt's prompts, then prompt_embeds' (each input embeddings), when both are sent.
        IReadOnlyList<Prompt> prompts = [.. ReadPrompts(fields), .. PromptEmbedsField.Read(fields)];
        if (prompts.Count == 0)
        {
            throw ApiException.BadRequest("prompt or prompt_embeds is required.", "prompt");
        }

        if (prompts.Count > MaxPrompts)
        {
            throw ApiException.BadRequest($"prompt and prompt_embeds hold {prompts.Count} prompts; at most {MaxPrompts} per request.", "prompt");
        }

        SamplingFields.Require(!echo || !prompts.Any(p => p is EmbedsPrompt), "echo",
            "echo does not apply to prompt_embeds: the prompt has no text to echo.");
        var suffix = fields.String("suffix");
        SamplingFields.Require(suffix is null || !echo, "suffix",
            "suffix does not combine with echo: the model's prompt is then the prefix and the suffix around fill-in-the-middle tokens, not the prompt to echo.");

        return new CompletionRequest(
            fields.String("model"),
            prompts,
            sampling with { N = bestOf, PromptLogprobs = promptLogprobs, Suffix = suffix },
            logprobs,
            stream,
            fields.Int("priority") ?? 0,
            echo,
            sampling.N,
            fields.Bool("return_tokens_as_token_ids") ?? false,
            fields.Bool("return_token_ids") ?? false,
            SamplingFields.ReadRequestId(fields));
    }

    /// <summary>A string, token ids, or an array of strings or of token-id arrays (one prompt each), as OpenAI takes them.</summary>
    private static IReadOnlyList<Prompt> ReadPrompts(RequestFields fields)
    {
        if (fields.Raw("prompt") is not { } prompt)
        {
            return [];
        }

        // vLLM's completions default: the model's BOS/EOS are added to text prompts (token ids are taken as they are).
        var addSpecialTokens = fields.Bool("add_special_tokens") ?? true;
        if (prompt.ValueKind == JsonValueKind.String)
        {
            return [new TextPrompt(prompt.GetString()!, ParseSpecialTokens: true, addSpecialTokens)];
        }

        if (prompt.ValueKind != JsonValueKind.Array)
        {
            throw RequestFields.WrongType("prompt", "a string, an array of token ids, or an array of one of those", prompt);
        }

        var items = prompt.EnumerateArray().ToArray();
        if (items.Length == 0 || items[0].ValueKind == JsonValueKind.Number)
        {
            return [new TokenIdsPrompt(RequestFields.ReadInts("prompt", prompt))];
        }

        if (items.Length > MaxPrompts)
        {
            throw ApiException.BadRequest($"prompt holds {items.Length} prompts; at most {MaxPrompts} per request.", "prompt");
        }

        return [.. items.Select(item => item.ValueKind switch
        {
            JsonValueKind.String => (Prompt)new TextPrompt(item.GetString()!, ParseSpecialTokens: true, addSpecialTokens),
            JsonValueKind.Array => new TokenIdsPrompt(RequestFields.ReadInts("prompt", item)),
            _ => throw RequestFields.WrongType("prompt", "a string or an array of token ids", item),
        })];
    }
}
