namespace Gateway.Backends;

/// <summary>How to generate, already validated against the API's limits.</summary>
/// <param name="MaxTokens">Most tokens to generate; null means up to the model's context limit.</param>
/// <param name="Temperature">0 is greedy.</param>
/// <param name="TopP">Nucleus mass in (0, 1].</param>
/// <param name="TopK">Keep the k best tokens; 0 means all.</param>
/// <param name="MinP">Relative probability floor; 0 disables.</param>
/// <param name="Seed">Per-request seed, or null.</param>
/// <param name="Stop">Stop strings.</param>
/// <param name="StopTokenIds">Extra ids that end generation.</param>
/// <param name="IgnoreEos">Keep generating past EOS.</param>
/// <param name="Logprobs">How many top alternatives to return per token.</param>
/// <param name="PresencePenalty">OpenAI presence penalty in [-2, 2].</param>
/// <param name="FrequencyPenalty">OpenAI frequency penalty in [-2, 2].</param>
/// <param name="RepetitionPenalty">Multiplicative penalty; 1 disables.</param>
/// <param name="MinTokens">Tokens to generate before EOS is allowed.</param>
/// <param name="SkipSpecialTokens">Drop special tokens from the text.</param>
/// <param name="IncludeStopStrInOutput">Keep the matched stop string in the text.</param>
public sealed record SamplingOptions(
    int? MaxTokens,
    float Temperature,
    float TopP,
    int TopK,
    float MinP,
    ulong? Seed,
    IReadOnlyList<string> Stop,
    IReadOnlyList<int> StopTokenIds,
    bool IgnoreEos,
    int Logprobs,
    float PresencePenalty,
    float FrequencyPenalty,
    float RepetitionPenalty,
    int MinTokens,
    bool SkipSpecialTokens,
    bool IncludeStopStrInOutput);
