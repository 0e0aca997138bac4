namespace Gateway.Backends;

/// <summary>A token the engine sampled, with its log-probability and the best alternatives.</summary>
public sealed record SampledToken(int Id, float Logprob, IReadOnlyList<TokenAlternative> TopLogprobs);

/// <summary>One of the most likely tokens at a position.</summary>
public sealed record TokenAlternative(int Id, float Logprob);

/// <summary>Token counts of a finished request.</summary>
public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int CachedPromptTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>EOS, a stop id or a stop string.</summary>
    Stop,

    /// <summary>max_tokens or the context limit.</summary>
    Length,

    /// <summary>The request was cancelled.</summary>
    Abort,
}

/// <summary>What one engine step added to a request; the last update carries the finish reason and usage.</summary>
/// <param name="TextDelta">Text that became final since the previous update.</param>
/// <param name="Tokens">Tokens produced since the previous update.</param>
/// <param name="Finish">Set on the last update.</param>
/// <param name="StopReason">The matched stop string or stop id as text, when it stopped on one.</param>
/// <param name="Usage">Set on the last update.</param>
public sealed record GenerationUpdate(
    string TextDelta,
    IReadOnlyList<SampledToken> Tokens,
    FinishReason? Finish,
    string? StopReason,
    TokenUsage? Usage);
