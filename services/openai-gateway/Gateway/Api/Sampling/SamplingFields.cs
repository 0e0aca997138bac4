using System.Globalization;
using Gateway.Api.Errors;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Backends;

namespace Gateway.Api.Sampling;

/// <summary>
/// The sampling fields that completions and chat completions share, read with their JSON types. Their ranges are
/// checked once, where every request enters the engine (the scheduler answers INVALID_ARGUMENT naming the field,
/// which the error table turns into a 400 with that <c>param</c>); an unset field stays null so the model's
/// generation_config.json default applies.
/// </summary>
public static class SamplingFields
{
    /// <param name="fields">The request.</param>
    /// <param name="maxTokens">The already-resolved token limit (its field name and default differ per endpoint).</param>
    /// <param name="logprobs">The already-resolved number of alternatives per token.</param>
    /// <param name="toolsConstrain">Chat's tool_choice constrains the output (see <see cref="StructuredOutputFields.Read"/>).</param>
    public static GenerationParams Read(RequestFields fields, int? maxTokens, int logprobs, bool toolsConstrain = false)
    {
        return new GenerationParams
        {
            MaxTokens = maxTokens,
            N = ReadN(fields),
            Temperature = Single(fields, "temperature"),
            TopP = Single(fields, "top_p"),
            TopK = fields.Int("top_k"),
            MinP = Single(fields, "min_p"),
            // OpenAI seeds are signed 64-bit; the engine only needs a stable 64-bit pattern.
            Seed = fields.Long("seed") is { } seed ? unchecked((ulong)seed) : null,
            LogitBias = Fields.LogitBias.Read(fields),
            AllowedTokenIds = ReadAllowedTokenIds(fields),
            StructuredOutput = StructuredOutputFields.Read(fields, toolsConstrain),
            Stop = fields.StringOrStrings("stop"),
            StopTokenIds = fields.Ints("stop_token_ids"),
            BadWords = fields.StringOrStrings("bad_words"),
            IgnoreEos = fields.Bool("ignore_eos") ?? false,
            Logprobs = logprobs,
            PromptLogprobs = ReadPromptLogprobs(fields),
            PresencePenalty = Single(fields, "presence_penalty"),
            FrequencyPenalty = Single(fields, "frequency_penalty"),
            RepetitionPenalty = Single(fields, "repetition_penalty"),
            MinTokens = fields.Int("min_tokens") ?? 0,
            TruncatePromptTokens = fields.Int("truncate_prompt_tokens"),
            SkipSpecialTokens = fields.Bool("skip_special_tokens") ?? true,
            IncludeStopStrInOutput = fields.Bool("include_stop_str_in_output") ?? false,
            CacheSalt = ReadCacheSalt(fields),
            UseBeamSearch = fields.Bool("use_beam_search") ?? false,
            LengthPenalty = Single(fields, "length_penalty"),
        };
    }

    /// <summary>
    /// vLLM's allowed_token_ids: null when unset; an empty list is a 400 here, as vLLM refuses it, because the engine's
    /// protocol carries an empty list as "no constraint" (it would otherwise let every token through unnoticed).
    /// </summary>
    private static IReadOnlyList<int>? ReadAllowedTokenIds(RequestFields fields)
    {
        if (fields.Raw("allowed_token_ids") is null)
        {
            return null;
        }

        var ids = fields.Ints("allowed_token_ids");
        Require(ids.Count > 0, "allowed_token_ids", "allowed_token_ids must not be empty when given: send null to allow every token.");
        return ids;
    }

    /// <summary>vLLM's cache_salt: a non-empty string when given (as vLLM refuses an empty one).</summary>
    public static string? ReadCacheSalt(RequestFields fields)
    {
        var salt = fields.String("cache_salt");
        Require(salt is null || salt.Length > 0, "cache_salt", "cache_salt must be a non-empty string if provided.");
        return salt;
    }

    /// <summary>A token limit: null when absent/null (the engine checks it is at least 1).</summary>
    public static int? ReadMaxTokens(RequestFields fields, string name) => fields.Int(name);

    /// <summary>vLLM's request_id: 1 to 256 characters, none of them a control character (it lands in ids, logs and traces).</summary>
    public static string? ReadRequestId(RequestFields fields)
    {
        var id = fields.String("request_id");
        Require(id is null || (id.Length is >= 1 and <= 256 && !id.Any(char.IsControl)), "request_id",
            "request_id must be 1 to 256 characters with no control characters.");
        return id;
    }

    /// <summary>
    /// The number of top alternatives per token. Its limit is checked here, not only in the engine, because the HTTP
    /// field's name differs per endpoint (chat's <c>top_logprobs</c>, completions' <c>logprobs</c>).
    /// </summary>
    public static int ReadLogprobCount(RequestFields fields, string name)
    {
        var value = fields.Int(name) ?? 0;
        Require(value is >= 0 and <= GenerationParams.MaxLogprobs, name,
            $"{name} must be in [0, {GenerationParams.MaxLogprobs}], got {value}.");
        return value;
    }

    /// <summary>
    /// vLLM's prompt_logprobs (its range is the engine's to check). As in vLLM, a stream cannot carry them, so a count
    /// above 0 with stream is refused.
    /// </summary>
    private static int? ReadPromptLogprobs(RequestFields fields)
    {
        var count = fields.Int("prompt_logprobs");
        Require(!(count > 0 && fields.Bool("stream") == true), "prompt_logprobs", "`prompt_logprobs` are not available when `stream=True`.");
        return count;
    }

    /// <summary>
    /// How many choices. Checked here as well as in the engine because the gateway sizes its answer by it before the
    /// engine's verdict could arrive on a stream.
    /// </summary>
    private static int ReadN(RequestFields fields)
    {
        var n = fields.Int("n") ?? 1;
        Require(n is >= 1 and <= GenerationParams.MaxN, "n", $"n must be in [1, {GenerationParams.MaxN}], got {n}.");
        return n;
    }

    /// <summary>A JSON number narrowed to the engine's float; values beyond float's range become infinities,
    /// which the engine refuses naming the field.</summary>
    /// <summary>A number field as the engine's 32-bit float; one beyond its range (1e39, which would be Infinity) is a 400.</summary>
    private static float? Single(RequestFields fields, string name)
    {
        if (fields.Number(name) is not { } value)
        {
            return null;
        }

        var single = (float)value;
        Require(float.IsFinite(single), name, $"{name} is out of range, got {value.ToString(CultureInfo.InvariantCulture)}.");
        return single;
    }

    public static void Require(bool condition, string param, string message)
    {
        if (!condition)
        {
            throw ApiException.BadRequest(message, param);
        }
    }
}
