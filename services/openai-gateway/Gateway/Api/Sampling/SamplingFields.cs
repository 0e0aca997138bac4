using Gateway.Api.Errors;
using Gateway.Api.Json;
using Gateway.Backends;

namespace Gateway.Api.Sampling;

/// <summary>
/// The sampling fields that completions and chat completions share, with OpenAI's defaults and vLLM's limits.
/// Every refusal names the field and the limit.
/// </summary>
public static class SamplingFields
{
    /// <summary>vLLM's default <c>max_logprobs</c>.</summary>
    public const int MaxLogprobs = 20;

    /// <param name="fields">The request.</param>
    /// <param name="maxTokens">The already-resolved token limit (its field name and default differ per endpoint).</param>
    /// <param name="logprobs">The already-resolved number of alternatives per token.</param>
    public static GenerationParams Read(RequestFields fields, int? maxTokens, int logprobs)
    {
        var temperature = fields.Number("temperature") ?? 1.0;
        Require(temperature >= 0, "temperature", $"temperature must be >= 0, got {temperature}.");
        var topP = fields.Number("top_p") ?? 1.0;
        Require(topP > 0 && topP <= 1, "top_p", $"top_p must be in (0, 1], got {topP}.");
        var topK = fields.Int("top_k") ?? 0;
        Require(topK >= -1, "top_k", $"top_k must be >= -1 (-1 and 0 disable it), got {topK}.");
        var minP = fields.Number("min_p") ?? 0.0;
        Require(minP >= 0 && minP <= 1, "min_p", $"min_p must be in [0, 1], got {minP}.");
        var presence = fields.Number("presence_penalty") ?? 0.0;
        Require(presence >= -2 && presence <= 2, "presence_penalty", $"presence_penalty must be in [-2, 2], got {presence}.");
        var frequency = fields.Number("frequency_penalty") ?? 0.0;
        Require(frequency >= -2 && frequency <= 2, "frequency_penalty", $"frequency_penalty must be in [-2, 2], got {frequency}.");
        var repetition = fields.Number("repetition_penalty") ?? 1.0;
        Require(repetition > 0, "repetition_penalty", $"repetition_penalty must be > 0, got {repetition}.");
        var minTokens = fields.Int("min_tokens") ?? 0;
        Require(minTokens >= 0, "min_tokens", $"min_tokens must be >= 0, got {minTokens}.");
        Require(maxTokens is null || minTokens <= maxTokens, "min_tokens",
            $"min_tokens must be <= max_tokens ({maxTokens}), got {minTokens}.");

        return new GenerationParams
        {
            MaxTokens = maxTokens,
            Temperature = (float)temperature,
            TopP = (float)topP,
            TopK = topK == -1 ? 0 : topK,
            MinP = (float)minP,
            // OpenAI seeds are signed 64-bit; the engine only needs a stable 64-bit pattern.
            Seed = fields.Long("seed") is { } seed ? unchecked((ulong)seed) : null,
            Stop = fields.StringOrStrings("stop").Where(s => s.Length > 0).ToArray(),
            StopTokenIds = fields.Ints("stop_token_ids"),
            IgnoreEos = fields.Bool("ignore_eos") ?? false,
            Logprobs = logprobs,
            PresencePenalty = (float)presence,
            FrequencyPenalty = (float)frequency,
            RepetitionPenalty = (float)repetition,
            MinTokens = minTokens,
            SkipSpecialTokens = fields.Bool("skip_special_tokens") ?? true,
            IncludeStopStrInOutput = fields.Bool("include_stop_str_in_output") ?? false,
        };
    }

    /// <summary>A token limit: null when absent/null, else at least 1.</summary>
    public static int? ReadMaxTokens(RequestFields fields, string name)
    {
        var value = fields.Int(name);
        Require(value is null or >= 1, name, $"{name} must be >= 1, got {value}.");
        return value;
    }

    /// <summary>The number of top alternatives per token, within vLLM's max_logprobs.</summary>
    public static int ReadLogprobCount(RequestFields fields, string name)
    {
        var value = fields.Int(name) ?? 0;
        Require(value is >= 0 and <= MaxLogprobs, name, $"{name} must be in [0, {MaxLogprobs}], got {value}.");
        return value;
    }

    public static void Require(bool condition, string param, string message)
    {
        if (!condition)
        {
            throw ApiException.BadRequest(message, param);
        }
    }
}
