namespace Inference.Testing.Checkpoints;

/// <summary>What a family's config.json and weights look like, with the values its real checkpoints use.</summary>
/// <param name="Name">The `--arch` name.</param>
/// <param name="ArchitectureName">config.json's `architectures[0]`.</param>
/// <param name="QkvBias">q/k/v projections carry biases.</param>
/// <param name="QkNorm">Per-head q_norm / k_norm weights exist.</param>
/// <param name="RopeTheta">As Qwen2.5 / Qwen3 (1e6) and Llama 3 (5e5) ship.</param>
/// <param name="MaxPositionEmbeddings">The pretrained context: Qwen2.5 32768, Qwen3 40960, Llama 3 8192.</param>
/// <param name="Tokenizer">The embedded tokenizer files it gets.</param>
public sealed record CheckpointFamilyTraits(
    string Name,
    string ArchitectureName,
    string ModelType,
    bool QkvBias,
    bool QkNorm,
    double RopeTheta,
    double RmsNormEps,
    int MaxPositionEmbeddings,
    EmbeddedTokenizer.Flavour Tokenizer)
{
    public static IReadOnlyList<string> Names { get; } = ["qwen2", "qwen3", "llama"];

    public static CheckpointFamilyTraits Of(CheckpointFamily family) => family switch
    {
        CheckpointFamily.Qwen2 => new("qwen2", "Qwen2ForCausalLM", "qwen2", QkvBias: true, QkNorm: false, 1000000.0, 1e-6, 32768, EmbeddedTokenizer.Flavour.Qwen25),
        CheckpointFamily.Qwen3 => new("qwen3", "Qwen3ForCausalLM", "qwen3", QkvBias: false, QkNorm: true, 1000000.0, 1e-6, 40960, EmbeddedTokenizer.Flavour.Qwen3),
        CheckpointFamily.Llama => new("llama", "LlamaForCausalLM", "llama", QkvBias: false, QkNorm: false, 500000.0, 1e-5, 8192, EmbeddedTokenizer.Flavour.Qwen25),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, null),
    };

    /// <exception cref="ArgumentException">The name is not qwen2, qwen3 or llama.</exception>
    public static CheckpointFamily Parse(string name) => name switch
    {
        "qwen2" => CheckpointFamily.Qwen2,
        "qwen3" => CheckpointFamily.Qwen3,
        "llama" => CheckpointFamily.Llama,
        _ => throw new ArgumentException($"Unknown architecture '{name}'; valid: {string.Join(", ", Names)}.", nameof(name)),
    };
}
