using Worker.Runtime.Models.Decoder;

namespace Inference.Testing.Checkpoints;

/// <summary>What a family's config.json and weights look like, with the values its real checkpoints use.</summary>
/// <param name="Name">The `--arch` name.</param>
/// <param name="ArchitectureName">config.json's `architectures[0]`.</param>
/// <param name="QkvBias">q/k/v projections carry biases.</param>
/// <param name="QkNorm">Per-head q_norm / k_norm weights exist.</param>
/// <param name="RopeTheta">As Qwen2.5 / Qwen3 (1e6) and Llama 3 (5e5) ship.</param>
/// <param name="MaxPositionEmbeddings">The pretrained context: Qwen2.5 32768, Qwen3 40960, Llama 3 8192.</param>
/// <param name="Tokenizer">The embedded tokenizer files it gets.</param>
/// <param name="Experts">Whether its MLPs are a mixture of experts (and with a shared expert).</param>
/// <param name="NormTopKProb">norm_topk_prob as the family's real checkpoints set it (Qwen3-MoE true, Qwen1.5-MoE false).</param>
public sealed record CheckpointFamilyTraits(
    string Name,
    string ArchitectureName,
    string ModelType,
    bool QkvBias,
    bool QkNorm,
    double RopeTheta,
    double RmsNormEps,
    int MaxPositionEmbeddings,
    EmbeddedTokenizer.Flavour Tokenizer,
    ExpertLayout Experts = ExpertLayout.None,
    bool NormTopKProb = false)
{
    public static IReadOnlyList<string> Names { get; } = ["qwen2", "qwen3", "llama", "qwen3_moe", "qwen2_moe"];

    public static CheckpointFamilyTraits Of(CheckpointFamily family) => family switch
    {
        CheckpointFamily.Qwen2 => new("qwen2", "Qwen2ForCausalLM", "qwen2", QkvBias: true, QkNorm: false, 1000000.0, 1e-6, 32768, EmbeddedTokenizer.Flavour.Qwen25),
        CheckpointFamily.Qwen3 => new("qwen3", "Qwen3ForCausalLM", "qwen3", QkvBias: false, QkNorm: true, 1000000.0, 1e-6, 40960, EmbeddedTokenizer.Flavour.Qwen3),
        CheckpointFamily.Llama => new("llama", "LlamaForCausalLM", "llama", QkvBias: false, QkNorm: false, 500000.0, 1e-5, 8192, EmbeddedTokenizer.Flavour.Qwen25),
        CheckpointFamily.Qwen3Moe => new("qwen3_moe", "Qwen3MoeForCausalLM", "qwen3_moe", QkvBias: false, QkNorm: true, 1000000.0, 1e-6, 40960, EmbeddedTokenizer.Flavour.Qwen3, ExpertLayout.Routed, NormTopKProb: true),
        CheckpointFamily.Qwen2Moe => new("qwen2_moe", "Qwen2MoeForCausalLM", "qwen2_moe", QkvBias: true, QkNorm: false, 1000000.0, 1e-6, 8192, EmbeddedTokenizer.Flavour.Qwen25, ExpertLayout.RoutedAndShared, NormTopKProb: false),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, null),
    };

    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static CheckpointFamily Parse(string name) => name switch
    {
        "qwen2" => CheckpointFamily.Qwen2,
        "qwen3" => CheckpointFamily.Qwen3,
        "llama" => CheckpointFamily.Llama,
        "qwen3_moe" => CheckpointFamily.Qwen3Moe,
        "qwen2_moe" => CheckpointFamily.Qwen2Moe,
        _ => throw new ArgumentException($"Unknown architecture '{name}'; valid: {string.Join(", ", Names)}.", nameof(name)),
    };
}
