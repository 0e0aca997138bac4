using Inference.Cli.Gguf;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// What a forward pass must move and compute, from config.json, to set a measured speed against the machine's limits.
/// Decode of one sequence reads every matrix once per token (the layers' projections and the LM head; the embedding
/// row and the norms are negligible); in a mixture of experts' sparse layer, only the token's k experts (and the
/// shared one), so for a MoE the figures count the weights each token uses (its active parameters). A prefill of P tokens costs 2 FLOP per weight per token in the projections,
/// attention's QKᵀ and PV (4·q_dim FLOP per attended key, each token attending to itself and those before it), and the
/// LM head once, at the last position only. A decode step costs each sequence the same per weight, the LM head included,
/// and attention over its whole context.
/// </summary>
public sealed record ModelCost(long LayerMatrixWeights, long LmHeadWeights, long QueryDim, int Layers)
{
    public static ModelCost From(HfModelConfig config)
    {
        long headDim = GgufArchitecture.For(config.Architecture).HeadDim(config);
        long q = config.NumAttentionHeads * headDim;
        long kv = config.NumKeyValueHeads * headDim;
        long hidden = config.HiddenSize;
        long attention = hidden * (q + 2 * kv) + q * hidden;
        long denseMlp = 3 * hidden * config.IntermediateSize;
        long layers = config.NumHiddenLayers * (attention + denseMlp);
        if (config.Experts is { } moe)
        {
            // A token reads only its k experts (and a shared one) in a sparse layer; the fp32 router (E x H) is left
            // out, a few per mille of the rest.
            long sparse = Math.Max(0, config.NumHiddenLayers / moe.DecoderSparseStep - moe.MlpOnlyLayerCount);
            long sparseMlp = 3 * hidden * ((long)moe.NumExpertsPerTok * moe.MoeIntermediateSize + (moe.SharedExpertIntermediateSize ?? 0));
            layers += sparse * (sparseMlp - denseMlp);
        }

        return new ModelCost(layers, (long)config.VocabSize * hidden, q, config.NumHiddenLayers);
    }

    /// <summary>Bytes of weights one decode step of one sequence reads, at the format's bytes per weight.</summary>
    public double DecodeBytesPerToken(string format) => (LayerMatrixWeights + LmHeadWeights) * BytesPerWeight(format);

    /// <summary>FLOPs of one prefill of <paramref name="promptTokens"/> tokens.</summary>
    public double PrefillFlops(int promptTokens) =>
        2.0 * promptTokens * LayerMatrixWeights
        + 4.0 * QueryDim * Layers * promptTokens * (promptTokens + 1.0) / 2
        + 2.0 * LmHeadWeights;

    /// <summary>
    /// FLOPs per generated token of a decode round of <paramref name="decodeSteps"/> steps after a prompt of
    /// <paramref name="promptTokens"/>: every matrix once (2 FLOP per weight), and attention over the context, which
    /// grows from promptTokens + 1 keys at the first step to promptTokens + decodeSteps at the last.
    /// </summary>
    public double DecodeFlopsPerToken(int promptTokens, int decodeSteps) =>
        2.0 * (LayerMatrixWeights + LmHeadWeights)
        + 4.0 * QueryDim * Layers * (promptTokens + (decodeSteps + 1) / 2.0);

    /// <summary>Bytes per weight: 4 in F32, 2 in BF16 and F16, 34/32 in Q8_0 (32 int8 and one fp16 scale).</summary>
    public static double BytesPerWeight(string format) => format switch
    {
        "f32" => 4,
        "bf16" or "f16" => 2,
        "q8_0" => 34.0 / 32,
        _ => throw new ArgumentException($"no weight size for format '{format}'", nameof(format)),
    };
}
