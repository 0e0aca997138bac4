namespace Inference.Cli.Gguf;

/// <summary>
/// How one Hugging Face architecture maps to llama.cpp's (convert_hf_to_gguf.py's model classes): its GGUF name,
/// its head size when config.json gives none, whether Q and K rows are permuted back from rotate_half order to the
/// interleaved RoPE order llama.cpp's llama graph uses, the rope_scaling types it carries over, and for a mixture of
/// experts how llama.cpp runs them.
/// </summary>
public sealed record GgufArchitecture(
    string HfName,
    string GgufName,
    Func<HfModelConfig, int> HeadDim,
    bool PermuteQueryKey,
    bool WritesVocabSizeAndRopeDimensions,
    IReadOnlyList<string> RopeScalingTypes,
    GgufExpertGraph? Experts = null)
{
    private static readonly GgufArchitecture[] All =
    [
        // Qwen2 and Qwen3 use NEOX (rotate_half) RoPE in llama.cpp, as in transformers: no permutation.
        new("Qwen2ForCausalLM", "qwen2", c => c.HeadDim ?? c.HiddenSize / c.NumAttentionHeads, false, false, ["yarn"]),
        // transformers' Qwen3Config defaults head_dim to 128, not hidden / heads.
        new("Qwen3ForCausalLM", "qwen3", c => c.HeadDim ?? 128, false, false, ["yarn"]),
        new("LlamaForCausalLM", "llama", c => c.HeadDim ?? c.HiddenSize / c.NumAttentionHeads, true, true, ["llama3", "linear"]),
        // llama.cpp's qwen3moe graph renormalizes the chosen experts' probabilities, its qwen2moe graph does not.
        new("Qwen3MoeForCausalLM", "qwen3moe", c => c.HeadDim ?? 128, false, false, ["yarn"], new GgufExpertGraph(NormTopKProb: true, SharedExpert: false)),
        new("Qwen2MoeForCausalLM", "qwen2moe", c => c.HeadDim ?? c.HiddenSize / c.NumAttentionHeads, false, false, ["yarn"], new GgufExpertGraph(NormTopKProb: false, SharedExpert: true)),
    ];

    public static IReadOnlyList<string> SupportedNames { get; } = All.Select(a => a.HfName).ToArray();

    /// <exception cref="InvalidDataException">The architecture is not one the converter maps.</exception>
    public static GgufArchitecture For(string hfName) =>
        All.FirstOrDefault(a => a.HfName == hfName)
        ?? throw new InvalidDataException($"architecture '{hfName}' has no GGUF mapping; supported: {string.Join(", ", SupportedNames)}.");
}

/// <summary>How llama.cpp's graph of a mixture-of-experts architecture runs its experts: what a converted file cannot change.</summary>
/// <param name="NormTopKProb">Whether the chosen experts' probabilities are renormalized to sum 1.</param>
/// <param name="SharedExpert">Whether each sparse layer has a shared expert.</param>
public sealed record GgufExpertGraph(bool NormTopKProb, bool SharedExpert);
