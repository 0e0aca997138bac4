namespace Inference.Abstractions.Execution;

/// <summary>How an executor turns one position's logits into a token.</summary>
/// <param name="Temperature">0 is greedy (argmax).</param>
/// <param name="TopP">Nucleus mass in (0, 1]; values outside mean 1.</param>
/// <param name="TopK">Keep the k best tokens; 0 or less means all.</param>
/// <param name="MinP">Drop tokens below MinP times the best probability; 0 disables.</param>
/// <param name="Seed">Per-request seed; null draws from a shared generator.</param>
/// <param name="PresencePenalty">Subtracted once from the logit of every token already generated.</param>
/// <param name="FrequencyPenalty">Subtracted per occurrence of a token already generated.</param>
/// <param name="RepetitionPenalty">Divides positive (multiplies negative) logits of tokens seen in prompt or output; 1 disables.</param>
/// <param name="Logprobs">How many top alternatives to report per sampled token.</param>
/// <param name="BannedTokenIds">Ids masked out (EOS before min_tokens is reached).</param>
/// <param name="LogitBias">Added to these ids' logits before sampling.</param>
/// <param name="AllowedTokenIds">When set, every other id is masked out.</param>
/// <param name="StructuredOutput">When set, only tokens that keep the output a prefix of a match are allowed.</param>
/// <param name="BadWords">
/// vLLM's bad_words as token sequences: the last id of each is masked out wherever the output so far ends with the
/// ids before it (a one-token word is always masked).
/// </param>
/// <param name="PromptLogprobs">When set, the logprob and rank of every prompt token from position 1 plus this many
/// top alternatives per position (vLLM's prompt_logprobs); null computes none.</param>
public sealed record SamplingParams(
    float Temperature = 0f,
    float TopP = 1f,
    int TopK = 0,
    float MinP = 0f,
    ulong? Seed = null,
    float PresencePenalty = 0f,
    float FrequencyPenalty = 0f,
    float RepetitionPenalty = 1f,
    int Logprobs = 0,
    IReadOnlyList<int>? BannedTokenIds = null,
    IReadOnlyDictionary<int, float>? LogitBias = null,
    IReadOnlyList<int>? AllowedTokenIds = null,
    Generation.StructuredOutput? StructuredOutput = null,
    IReadOnlyList<IReadOnlyList<int>>? BadWords = null,
    int? PromptLogprobs = null)
{
    /// <summary>Temperatures below this pick the most likely token (dividing by them overflows).</summary>
    public const float GreedyTemperature = 1e-5f;

    public static SamplingParams Greedy { get; } = new();

    /// <summary>Whether the next token is the most likely one (after logits processing) rather than a draw.</summary>
    public bool IsGreedy => Temperature < GreedyTemperature;
}
