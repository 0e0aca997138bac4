using Worker.Runtime.Checkpoints;
using Worker.Runtime.Models.Decoder;

namespace Inference.Testing.Checkpoints;

/// <summary>Sizes, seed and layout of a deterministic random checkpoint (fixtures/RANDOM_MODEL.md).</summary>
/// <param name="HiddenSize">H.</param>
/// <param name="IntermediateSize">I, the MLP width.</param>
/// <param name="NumHiddenLayers">Decoder layers.</param>
/// <param name="NumAttentionHeads">Query heads.</param>
/// <param name="NumKeyValueHeads">KV heads (grouped-query attention).</param>
/// <param name="TieWordEmbeddings">When true no lm_head.weight is written.</param>
/// <param name="Std">Standard deviation of the uniform weight distribution.</param>
/// <param name="Seed">Model seed, XORed into every tensor's name hash.</param>
/// <param name="VocabSize">Rows of the embedding (151936 matches the Qwen tokenizers).</param>
/// <param name="Family">Architecture (default Qwen2).</param>
/// <param name="ExplicitHeadDim">head_dim written to config.json; null: H / heads.</param>
/// <param name="RopeScaling">rope_scaling to write; null: none.</param>
/// <param name="PretrainedContext">The pretrained max_position_embeddings; null: the family's.</param>
/// <param name="DType">BF16 (default) or F16 weights.</param>
/// <param name="Shards">1: model.safetensors; more: model-0000i-of-0000n.safetensors with an index.</param>
/// <param name="Labels">Set: a sequence classifier (the family's *ForSequenceClassification) with these class names in
/// config.json's id2label and a score.weight [labels, H] in place of lm_head.weight; null: a causal LM.</param>
/// <param name="Experts">The mixture of experts of a MoE family (qwen3_moe, qwen2_moe); null for the dense families.</param>
public sealed record RandomModelSpec(
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    bool TieWordEmbeddings,
    double Std,
    ulong Seed,
    int VocabSize = 151936,
    CheckpointFamily Family = CheckpointFamily.Qwen2,
    int? ExplicitHeadDim = null,
    RandomRopeScaling? RopeScaling = null,
    int? PretrainedContext = null,
    TensorDType DType = TensorDType.BF16,
    int Shards = 1,
    IReadOnlyList<string>? Labels = null,
    MixtureOfExperts? Experts = null)
{
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "qwen2.5-0.5b"];

    public CheckpointFamilyTraits Traits => CheckpointFamilyTraits.Of(Family);

    public int HeadDim => ExplicitHeadDim ?? HiddenSize / NumAttentionHeads;

    /// <summary>The pretrained context (before rope scaling).</summary>
    public int Context => PretrainedContext ?? Traits.MaxPositionEmbeddings;

    /// <summary>The name config.json's architectures gives: the family's causal LM, or its sequence classifier.</summary>
    public string ArchitectureName => Labels is null
        ? Traits.ArchitectureName
        : Traits.ArchitectureName.Replace("ForCausalLM", "ForSequenceClassification", StringComparison.Ordinal);

    /// <summary>Every tensor in file order, named and shaped as the worker reads them (a classifier's score head in place of the LM head).</summary>
    public IReadOnlyList<TensorSpec> Tensors() => Labels is null
        ? DecoderTensorNames.All(Decoder)
        : [.. DecoderTensorNames.All(Decoder with { TieWordEmbeddings = true }), new TensorSpec("score.weight", [Labels.Count, HiddenSize])];

    /// <summary>The dims the worker reads from this checkpoint (RoPE without scaling), for example to write a LoRA adapter for it.</summary>
    public DecoderSpec Decoder => new(
        VocabSize, HiddenSize, IntermediateSize, NumHiddenLayers, NumAttentionHeads, NumKeyValueHeads, HeadDim,
        (float)Traits.RmsNormEps, Traits.QkvBias, Traits.QkNorm, TieWordEmbeddings,
        new RotaryEmbedding(Traits.RopeTheta, HeadDim, scaling: null),
        Experts);

    /// <summary>This spec as a checkpoint of <paramref name="family"/>, with the family's default experts if it has any.</summary>
    public RandomModelSpec ForFamily(CheckpointFamily family) =>
        this with { Family = family, Experts = DefaultExperts(family, IntermediateSize) };

    /// <summary>
    /// The mixture of experts a MoE family gets unless told otherwise: 8 experts, 2 per token, each a quarter of the
    /// dense MLP's width (Qwen2-MoE's shared expert as wide as the dense MLP), every layer sparse.
    /// </summary>
    public static MixtureOfExperts? DefaultExperts(CheckpointFamily family, int intermediateSize)
    {
        var traits = CheckpointFamilyTraits.Of(family);
        return traits.Experts == ExpertLayout.None
            ? null
            : new MixtureOfExperts(8, 2, Math.Max(1, intermediateSize / 4), traits.NormTopKProb, SparseStep: 1, DenseLayers: [],
                SharedExpertIntermediate: traits.Experts == ExpertLayout.RoutedAndShared ? intermediateSize : 0);
    }

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
        Require(NumAttentionHeads > 0 && (ExplicitHeadDim is not null || HiddenSize % NumAttentionHeads == 0),
            $"NumAttentionHeads must be > 0 and divide HiddenSize {HiddenSize} unless head_dim is given, got {NumAttentionHeads}");
        Require(HeadDim > 0 && HeadDim % 2 == 0, $"head_dim must be even and > 0 for RoPE, got {HeadDim}");
        Require(NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0,
            $"NumKeyValueHeads must be > 0 and divide NumAttentionHeads {NumAttentionHeads}, got {NumKeyValueHeads}");
        Require(VocabSize > 0, $"VocabSize must be > 0, got {VocabSize}");
        Require(Labels is null || (Labels.Count > 0 && Labels.Distinct(StringComparer.Ordinal).Count() == Labels.Count),
            "Labels must name at least one class, each once, when set");
        Require(Std >= 0 && double.IsFinite(Std), $"Std must be a finite value >= 0, got {Std}");
        Require(Context > 0, $"PretrainedContext must be > 0, got {Context}");
        Require(DType is TensorDType.BF16 or TensorDType.F16, $"DType must be BF16 or F16, got {DType}");
        Require(Shards >= 1, $"Shards must be >= 1, got {Shards}");
        Require((Experts is not null) == (Traits.Experts != ExpertLayout.None),
            $"{Traits.ArchitectureName} {(Traits.Experts == ExpertLayout.None ? "has no" : "needs its")} mixture of experts");
        if (Experts is { } moe)
        {
            Require(moe.Experts > 0 && moe.ExpertsPerToken > 0 && moe.ExpertsPerToken <= moe.Experts,
                $"experts per token must be in [1, {moe.Experts}] (and experts > 0), got {moe.ExpertsPerToken}");
            Require(moe.ExpertIntermediate > 0 && moe.SparseStep > 0, "the experts' width and the sparse step must be > 0");
            Require((moe.SharedExpertIntermediate > 0) == (Traits.Experts == ExpertLayout.RoutedAndShared),
                $"{Traits.ArchitectureName} {(Traits.Experts == ExpertLayout.RoutedAndShared ? "needs" : "has no")} shared expert");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
