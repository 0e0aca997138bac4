namespace Inference.Abstractions.Generation;

/// <summary>
/// Sampling and stopping for one request, with vLLM's meanings. A null sampling field takes the model's default
/// (<see cref="Execution.SamplingDefaults"/>), else the default named here; the engine resolves them.
/// </summary>
public sealed record GenerationParams
{
    /// <summary>Most alternatives per token a request may ask for (vLLM's default <c>max_logprobs</c>).</summary>
    public const int MaxLogprobs = 20;

    /// <summary>Most completions one request may ask for (OpenAI's limit on <c>n</c>).</summary>
    public const int MaxN = 128;

    /// <summary>
    /// Independent completions of the prompt, 1 to <see cref="MaxN"/>. Default 1. They share the prompt's KV blocks;
    /// with a seed, completion i samples with seed + i, so each has its own reproducible stream.
    /// </summary>
    public int N { get; init; } = 1;

    /// <summary>Most tokens to generate, at least 1; null (default) means the model's default, else up to the context limit.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>0 is greedy. Default 1.</summary>
    public float? Temperature { get; init; }

    /// <summary>In (0, 1]. Default 1.</summary>
    public float? TopP { get; init; }

    /// <summary>0 or -1 (default 0) keep all tokens.</summary>
    public int? TopK { get; init; }

    /// <summary>In [0, 1]; 0 (default) disables.</summary>
    public float? MinP { get; init; }

    public ulong? Seed { get; init; }

    /// <summary>Token id → bias in [-100, 100] added to its logit before sampling (OpenAI's logit_bias). Default none.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>When set (not empty), only these token ids can be generated (vLLM's allowed_token_ids). Default none.</summary>
    public IReadOnlyList<int>? AllowedTokenIds { get; init; }

    /// <summary>When set, the output must match it (JSON Schema, JSON object, regex or choice). Default none.</summary>
    public StructuredOutput? StructuredOutput { get; init; }

    /// <summary>Strings that end generation (excluded from the text unless <see cref="IncludeStopStrInOutput"/>).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    public bool IgnoreEos { get; init; }

    /// <summary>Top alternatives per token, 0 to <see cref="MaxLogprobs"/>. Default 0.</summary>
    public int Logprobs { get; init; }

    /// <summary>
    /// vLLM's prompt_logprobs: when set, 0 to <see cref="MaxLogprobs"/> top alternatives per prompt position, returned with
    /// each prompt token's logprob and rank (the whole prompt is computed: the prefix cache is not used). Default null (none).
    /// </summary>
    public int? PromptLogprobs { get; init; }

    /// <summary>In [-2, 2]. Default 0.</summary>
    public float? PresencePenalty { get; init; }

    /// <summary>In [-2, 2]. Default 0.</summary>
    public float? FrequencyPenalty { get; init; }

    /// <summary>Greater than 0 (and finite); 1 (default) disables.</summary>
    public float? RepetitionPenalty { get; init; }

    public bool IncludeStopStrInOutput { get; init; }

    /// <summary>Default true.</summary>
    public bool SkipSpecialTokens { get; init; } = true;

    /// <summary>Tokens generated before EOS or a stop id may end the request. Default 0.</summary>
    public int MinTokens { get; init; }

    /// <summary>
    /// vLLM's truncate_prompt_tokens: keep only the prompt's last k tokens (left truncation); -1 keeps as many as fit
    /// the context with the tokens asked for (max_tokens, else one). Null (default): a prompt too long is refused.
    /// </summary>
    public int? TruncatePromptTokens { get; init; }

    /// <summary>
    /// vLLM's bad_words: words never generated. Each is tokenized on its own and with a leading space (when that makes
    /// a different first token of the same length), and the last token of each is banned after the ones before it.
    /// </summary>
    public IReadOnlyList<string> BadWords { get; init; } = [];

    /// <summary>
    /// vLLM's cache_salt: the prefix cache's hash chain starts from this string, so cached blocks are shared only by
    /// requests with the same salt. Null (default): the common chain.
    /// </summary>
    public string? CacheSalt { get; init; }

    /// <summary>
    /// The LoRA adapter to generate with (a name the workers list in their LoRA adapters, vLLM's --lora-modules);
    /// null (default): the base model alone.
    /// </summary>
    public string? LoraName { get; init; }

    /// <summary>
    /// vLLM's use_beam_search: the <see cref="N"/> most likely sequences of a beam search of width N (each step keeps the
    /// N best extensions by cumulative logprob; a sequence ending in EOS is complete), ranked by
    /// cumulative logprob / length^<see cref="LengthPenalty"/>. Only max_tokens, ignore_eos and the prompt fields apply.
    /// </summary>
    public bool UseBeamSearch { get; init; }

    /// <summary>
    /// The completions API's suffix (fill in the middle): the text after the completion. The prompt (text or token ids)
    /// is the prefix, and the model sees &lt;|fim_prefix|&gt; prefix &lt;|fim_suffix|&gt; suffix &lt;|fim_middle|&gt;,
    /// the layout Qwen2.5-Coder is trained on, and writes the middle. Null (default): a plain completion.
    /// </summary>
    public string? Suffix { get; init; }

    /// <summary>
    /// OpenAI's prediction (Predicted Outputs): text the answer is expected to repeat, such as the file a code edit
    /// rewrites. Its tokens are the drafts of speculative decoding where the answer so far lines up with them, so a
    /// matching answer takes fewer steps; the tokens are exactly those decoding without it gives. Null (default): none.
    /// </summary>
    public string? Prediction { get; init; }

    /// <summary>Beam search's length penalty (the exponent of the sequence length, prompt included); null (default) is 1.</summary>
    public float? LengthPenalty { get; init; }
}
