namespace Inference.Testing.Checkpoints;

/// <summary>Sizes and seed of a deterministic random Qwen2 checkpoint (fixtures/RANDOM_MODEL.md).</summary>
/// <param name="HiddenSize">H.</param>
/// <param name="IntermediateSize">I, the MLP width.</param>
/// <param name="NumHiddenLayers">Decoder layers.</param>
/// <param name="NumAttentionHeads">Query heads; head_dim = H / heads.</param>
/// <param name="NumKeyValueHeads">KV heads (grouped-query attention).</param>
/// <param name="TieWordEmbeddings">When true no lm_head.weight is written.</param>
/// <param name="Std">Standard deviation of the uniform weight distribution.</param>
/// <param name="Seed">Model seed, XORed into every tensor's name hash.</param>
/// <param name="VocabSize">Rows of the embedding (151936 matches the Qwen2.5 tokenizer).</param>
public sealed record RandomModelSpec(
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    bool TieWordEmbeddings,
    double Std,
    ulong Seed,
    int VocabSize = 151936)
{
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "qwen2.5-0.5b"];

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <exception cref="ArgumentException">The preset is unknown.</exception>
    public static RandomModelSpec FromPreset(string preset, ulong seed) => preset switch
    {
        "tiny" => new(64, 128, 2, 4, 2, TieWordEmbeddings: true, Std: 0.08, seed),
        "small" => new(256, 704, 4, 8, 2, TieWordEmbeddings: false, Std: 0.02, seed),
        "qwen2.5-0.5b" => new(896, 4864, 24, 14, 2, TieWordEmbeddings: true, Std: 0.02, seed),
        _ => throw new ArgumentException(
            $"Unknown model preset '{preset}'; valid presets: {string.Join(", ", PresetNames)}.", nameof(preset)),
    };

    /// <exception cref="ArgumentException">A size is not positive or the heads do not divide evenly.</exception>
    public void Validate()
    {
        Require(HiddenSize > 0, $"HiddenSize must be > 0, got {HiddenSize}");
        Require(IntermediateSize > 0, $"IntermediateSize must be > 0, got {IntermediateSize}");
        Require(NumHiddenLayers > 0, $"NumHiddenLayers must be > 0, got {NumHiddenLayers}");
        Require(NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0,
            $"NumAttentionHeads must be > 0 and divide HiddenSize {HiddenSize}, got {NumAttentionHeads}");
        Require(HeadDim % 2 == 0, $"head_dim (HiddenSize / NumAttentionHeads) must be even for RoPE, got {HeadDim}");
        Require(NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0,
            $"NumKeyValueHeads must be > 0 and divide NumAttentionHeads {NumAttentionHeads}, got {NumKeyValueHeads}");
        Require(VocabSize > 0, $"VocabSize must be > 0, got {VocabSize}");
        Require(Std >= 0 && double.IsFinite(Std), $"Std must be a finite value >= 0, got {Std}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
