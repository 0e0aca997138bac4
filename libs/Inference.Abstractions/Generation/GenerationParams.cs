namespace Inference.Abstractions.Generation;

/// <summary>Sampling and stopping for one request, with vLLM's meanings and defaults.</summary>
public sealed record GenerationParams
{
    /// <summary>Most tokens to generate; null or 0 (default) means up to the context limit.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>0 is greedy. Default 1.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>In (0, 1]. Default 1.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>0 or -1 (default 0) keep all tokens.</summary>
    public int TopK { get; init; }

    /// <summary>In [0, 1]; 0 (default) disables.</summary>
    public float MinP { get; init; }

    public ulong? Seed { get; init; }

    /// <summary>Strings that end generation (excluded from the text unless <see cref="IncludeStopStrInOutput"/>).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    public bool IgnoreEos { get; init; }

    /// <summary>Top alternatives per token, 0 to 20. Default 0.</summary>
    public int Logprobs { get; init; }

    /// <summary>In [-2, 2]. Default 0.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>In [-2, 2]. Default 0.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>In (0, 2]; 1 (default) disables.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    public bool IncludeStopStrInOutput { get; init; }

    /// <summary>Default true.</summary>
    public bool SkipSpecialTokens { get; init; } = true;

    /// <summary>Tokens generated before EOS or a stop id may end the request. Default 0.</summary>
    public int MinTokens { get; init; }
}
