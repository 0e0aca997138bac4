using System.Globalization;
using Inference.Abstractions.Execution;
using Inference.Grammar;

namespace Scheduler.Core;

/// <summary>vLLM's request checks, made once where a request enters the engine (gRPC, the gateway behind it, and
/// the offline CLI all enter here): every message names the field and its limit. Unset (null) fields are the
/// model's defaults and are not checked. Comparisons are written so that NaN fails them.
/// The LoRA adapter a request names is checked where the engine holds it for the request (LoraAdapterRegistry.Acquire).</summary>
internal sealed class GenerationValidator(int vocabSize, int maxModelLength)
{
    public void ValidateParams(GenerationParams p)
    {
        ValidateBeamSearch(p);
        if (p.N is < 1 or > GenerationParams.MaxN)
        {
            Fail("n", $"n must be in [1, {GenerationParams.MaxN}], got {p.N}.");
        }

        if (p.TruncatePromptTokens is { } truncate && (truncate is 0 or < -1 || truncate >= maxModelLength))
        {
            Fail("truncate_prompt_tokens",
                $"truncate_prompt_tokens must be -1 or in [1, {maxModelLength - 1}] (the maximum model length less one), got {truncate}.");
        }

        if (p.MaxTokens is < 1)
        {
            Fail("max_tokens", $"max_tokens must be at least 1, got {p.MaxTokens}.");
        }

        if (p.Temperature is { } temperature && (!(temperature >= 0f) || float.IsInfinity(temperature)))
        {
            Fail("temperature", $"temperature must be non-negative, got {Format(temperature)}.");
        }

        if (p.TopP is { } topP && !(topP > 0f && topP <= 1f))
        {
            Fail("top_p", $"top_p must be in (0, 1], got {Format(topP)}.");
        }

        if (p.TopK is < -1)
        {
            Fail("top_k", $"top_k must be -1 (disable), 0 (disable) or at least 1, got {p.TopK}.");
        }

        if (p.MinP is { } minP && !(minP >= 0f && minP <= 1f))
        {
            Fail("min_p", $"min_p must be in [0, 1], got {Format(minP)}.");
        }

        if (p.Logprobs is < 0 or > GenerationParams.MaxLogprobs)
        {
            Fail("logprobs", $"logprobs must be in [0, {GenerationParams.MaxLogprobs}], got {p.Logprobs}.");
        }

        if (p.PromptLogprobs is < 0 or > GenerationParams.MaxLogprobs)
        {
            Fail("prompt_logprobs", $"prompt_logprobs must be in [0, {GenerationParams.MaxLogprobs}], got {p.PromptLogprobs}.");
        }

        if (p.PresencePenalty is { } presence && !(presence >= -2f && presence <= 2f))
        {
            Fail("presence_penalty", $"presence_penalty must be in [-2, 2], got {Format(presence)}.");
        }

        if (p.FrequencyPenalty is { } frequency && !(frequency >= -2f && frequency <= 2f))
        {
            Fail("frequency_penalty", $"frequency_penalty must be in [-2, 2], got {Format(frequency)}.");
        }

        // Any positive factor, as vLLM (which has no upper bound: 2.5 penalizes harder than 2).
        if (p.RepetitionPenalty is { } repetition && !(repetition > 0f && float.IsFinite(repetition)))
        {
            Fail("repetition_penalty", $"repetition_penalty must be a finite number greater than 0, got {Format(repetition)}.");
        }

        if (p.MinTokens < 0)
        {
            Fail("min_tokens", $"min_tokens must be at least 0, got {p.MinTokens}.");
        }

        if (p.MaxTokens is { } maxTokens && p.MinTokens > maxTokens)
        {
            Fail("min_tokens", $"min_tokens must be less than or equal to max_tokens={maxTokens}, got {p.MinTokens}.");
        }

        if (p.Stop.Any(string.IsNullOrEmpty))
        {
            Fail("stop", "stop strings must not be empty.");
        }

        foreach (var id in p.StopTokenIds)
        {
            CheckTokenId("stop_token_ids", id);
        }

        foreach (var (id, bias) in p.LogitBias ?? new Dictionary<int, float>())
        {
            CheckTokenId("logit_bias", id);
            if (!(bias >= -100f && bias <= 100f))
            {
                Fail("logit_bias", $"logit_bias of token {id} must be in [-100, 100], got {Format(bias)}.");
            }
        }

        if (p.AllowedTokenIds is { } allowed)
        {
            if (allowed.Count == 0)
            {
                Fail("allowed_token_ids", "allowed_token_ids must not be empty when given.");
            }

            foreach (var id in allowed)
            {
                CheckTokenId("allowed_token_ids", id);
            }
        }

        if (p.StructuredOutput is { } structured)
        {
            // Built without the vocabulary (the scheduler has no tokenizer.json): refuses unsupported keywords and
            // regex features by name here, so the worker never meets a spec it cannot compile.
            StructuredOutputSpecs.Validate(structured, "structured_output");

            // The grammar ends the output with EOS as soon as it is complete; banning EOS then would leave no token. A
            // structural tag that ends in free text never forces EOS (any text but a trigger may follow), so it takes both.
            var endsWithEos = StructuredOutputSpecs.MayEndWithEos(structured);
            if (endsWithEos && p.IgnoreEos)
            {
                Fail("ignore_eos", "ignore_eos cannot be combined with structured output, which ends the output with EOS once it is complete.");
            }

            if (endsWithEos && p.MinTokens > 0)
            {
                Fail("min_tokens", "min_tokens cannot be combined with structured output, which may be complete (and end with EOS) sooner.");
            }
        }
    }

    /// <summary>
    /// A prompt given as input embeddings: only where the engine takes them (--enable-prompt-embeds, as vLLM), rows of the
    /// model's hidden size, and not with what needs the prompt's tokens (prompt logprobs, fill in the middle) or runs
    /// the prompt as several requests of tokens (beam search).
    /// </summary>
    public void ValidatePromptEmbeds(EmbedsPrompt embeds, GenerationParams p, bool enabled, int hiddenSize)
    {
        const string field = "prompt_embeds";
        if (!enabled)
        {
            Fail(field, "You must set --enable-prompt-embeds to input prompt_embeds.");
        }

        if (hiddenSize <= 0)
        {
            Fail(field, "The workers do not report the model's hidden size, so prompt_embeds cannot be checked; upgrade them.");
        }

        if (embeds.Rows < 1 || embeds.Values.Length != (long)embeds.Rows * hiddenSize)
        {
            Fail(field, $"prompt_embeds must be rows of the model's hidden size {hiddenSize} (a [tokens, {hiddenSize}] tensor), got {embeds.Rows} rows of " +
                 $"{(embeds.Rows < 1 ? 0 : embeds.Values.Length / embeds.Rows)} values.");
        }

        foreach (var value in embeds.Values)
        {
            if (!float.IsFinite(value))
            {
                Fail(field, "prompt_embeds holds a value that is not finite (NaN or infinity).");
            }
        }

        if (p.PromptLogprobs is not null)
        {
            Fail("prompt_logprobs", "prompt_logprobs does not apply to prompt_embeds: the prompt has no tokens to score.");
        }

        if (p.Suffix is not null)
        {
            Fail("suffix", "suffix needs a prompt of text or token ids, not prompt_embeds.");
        }

        if (p.UseBeamSearch)
        {
            Fail("use_beam_search", "beam search does not take prompt_embeds.");
        }
    }

    public void ValidatePrompt(IReadOnlyList<int> promptIds, GenerationParams p)
    {
        if (promptIds.Count == 0)
        {
            Fail("prompt", "prompt must not be empty.");
        }

        foreach (var id in promptIds)
        {
            CheckTokenId("prompt", id);
        }

        if (promptIds.Count >= maxModelLength)
        {
            Fail("prompt", $"The prompt (length {promptIds.Count}) is longer than the maximum model length of {maxModelLength - 1} " +
                 "(one position is kept for the first generated token).");
        }

        // In 64 bits: max_tokens may be up to int.MaxValue, and the sum must not wrap around to a small number.
        if (p.MaxTokens is { } maxTokens && (long)promptIds.Count + maxTokens > maxModelLength)
        {
            Fail("max_tokens", $"This model's maximum context length is {maxModelLength} tokens. However, you requested " +
                 $"{(long)promptIds.Count + maxTokens} tokens ({promptIds.Count} in the prompt, {maxTokens} in the completion " +
                 "via max_tokens). Please reduce the length of the prompt or max_tokens.");
        }

        if (p.MinTokens > maxModelLength - promptIds.Count)
        {
            Fail("min_tokens", $"min_tokens must be at most {maxModelLength - promptIds.Count} (the context left after the prompt), got {p.MinTokens}.");
        }
    }

    /// <summary>
    /// vLLM's beam search reads only n (the width), max_tokens, ignore_eos and length_penalty: any other sampling or
    /// stopping field it would not honour is refused, naming it, rather than ignored; length_penalty needs beam search.
    /// </summary>
    private static void ValidateBeamSearch(GenerationParams p)
    {
        if (p.LengthPenalty is { } penalty && !float.IsFinite(penalty))
        {
            Fail("length_penalty", $"length_penalty must be a finite number, got {Format(penalty)}.");
        }

        if (p.UseBeamSearch && p.N > GenerationParams.MaxLogprobs / 2)
        {
            // Each step asks for 2 × n alternatives, within the engine's max_logprobs (as vLLM's beam search).
            Fail("n", $"n (the beam width) must be at most {GenerationParams.MaxLogprobs / 2} with use_beam_search, got {p.N}.");
        }

        if (!p.UseBeamSearch)
        {
            if (p.LengthPenalty is { } lengthPenalty && lengthPenalty != 1f)
            {
                Fail("length_penalty", "length_penalty applies only to beam search: set use_beam_search, or leave it at 1.");
            }

            return;
        }

        (string Field, bool Set)[] notApplied =
        [
            ("temperature", p.Temperature is { } t && t != 0f),
            ("top_p", p.TopP is { } topP && topP != 1f),
            ("top_k", p.TopK is { } topK && topK is not (0 or -1)),
            ("min_p", p.MinP is { } minP && minP != 0f),
            ("seed", p.Seed is not null),
            ("presence_penalty", p.PresencePenalty is { } presence && presence != 0f),
            ("frequency_penalty", p.FrequencyPenalty is { } frequency && frequency != 0f),
            ("repetition_penalty", p.RepetitionPenalty is { } repetition && repetition != 1f),
            ("logit_bias", p.LogitBias is { Count: > 0 }),
            ("allowed_token_ids", p.AllowedTokenIds is { Count: > 0 }),
            ("structured_outputs", p.StructuredOutput is not null),
            ("stop", p.Stop.Count > 0),
            ("stop_token_ids", p.StopTokenIds.Count > 0),
            ("min_tokens", p.MinTokens != 0),
            ("bad_words", p.BadWords.Count > 0),
            ("logprobs", p.Logprobs != 0),
            ("prompt_logprobs", p.PromptLogprobs is not null),
            ("prediction", p.Prediction is not null),
        ];
        foreach (var (field, set) in notApplied)
        {
            if (set)
            {
                Fail(field, $"{field} does not apply to beam search (use_beam_search), which ranks sequences by their " +
                     "log-probability alone; leave it unset.");
            }
        }
    }

    /// <summary>An embedding request's own fields, against the model's pooling (vLLM's matryoshka rule for dimensions).</summary>
    public void ValidateEmbedding(EmbeddingRequest request, PoolingInfo pooling, string servedModelName)
    {
        if (request.Task == PoolingTask.Classify && (request.Dimensions is not null || request.Normalize is not null))
        {
            Fail(request.Dimensions is not null ? "dimensions" : "normalize",
                "A classification request answers the class logits: dimensions and normalize apply to embeddings only.");
        }

        if (request.TruncatePromptTokens is { } truncate && (truncate is 0 or < -1 || truncate > maxModelLength))
        {
            Fail("truncate_prompt_tokens",
                $"truncate_prompt_tokens must be -1 or in [1, {maxModelLength}] (the maximum model length), got {truncate}.");
        }

        if (request.Dimensions is not { } dimensions)
        {
            return;
        }

        if (!pooling.Matryoshka)
        {
            Fail("dimensions", $"Model \"{servedModelName}\" does not support matryoshka representation, " +
                 "changing output dimensions will lead to poor results.");
        }

        if (dimensions < 1 || dimensions > pooling.HiddenSize)
        {
            Fail("dimensions", $"dimensions must be in [1, {pooling.HiddenSize}] (the model's embedding size), got {dimensions}.");
        }

        if (pooling.MatryoshkaDimensions.Count > 0 && !pooling.MatryoshkaDimensions.Contains(dimensions))
        {
            Fail("dimensions", $"Model \"{servedModelName}\" only supports dimensions " +
                 $"[{string.Join(", ", pooling.MatryoshkaDimensions)}], got {dimensions}.");
        }
    }

    /// <summary>An embedding prompt: not empty, in the vocabulary, and within the model length (no token follows it).</summary>
    public void ValidateEmbeddingPrompt(IReadOnlyList<int> promptIds)
    {
        if (promptIds.Count == 0)
        {
            Fail("prompt", "prompt must not be empty.");
        }

        foreach (var id in promptIds)
        {
            CheckTokenId("prompt", id);
        }

        if (promptIds.Count > maxModelLength)
        {
            Fail("prompt", $"The prompt (length {promptIds.Count}) is longer than the maximum model length of {maxModelLength}.");
        }
    }

    private void CheckTokenId(string field, int id)
    {
        if (id < 0 || id >= vocabSize)
        {
            Fail(field, $"{field} contains token id {id}, out of vocabulary range [0, {vocabSize}).");
        }
    }

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Fail(string field, string message) => throw new GenerationValidationException(field, message);
}
