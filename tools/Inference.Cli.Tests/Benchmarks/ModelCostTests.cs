using Inference.Cli.Benchmarks;
using Inference.Cli.Gguf;

namespace Inference.Cli.Tests.Benchmarks;

public sealed class ModelCostTests
{
    /// <summary>Qwen2.5-0.5B's config.json sizes.</summary>
    private static readonly HfModelConfig Qwen05B = new("Qwen2ForCausalLM", 151936, 896, 4864, 24, 14, 2, null, 32768, 1e-6, 1e6, null, 151643, 151645);

    [Fact]
    public void LayerMatrices_OfQwen25_05B_Are358MillionWeights()
    {
        // Per layer: q 896x896, k and v 128x896 each, o 896x896, gate/up/down 3 x 896x4864 = 14,909,440; x 24 layers.
        Assert.Equal(357_826_560L, ModelCost.From(Qwen05B).LayerMatrixWeights);
    }

    /// <summary>Qwen3-30B-A3B's config.json sizes: 128 experts of 768, 8 per token, every layer sparse.</summary>
    private static readonly HfModelConfig Qwen3_30BA3B = new("Qwen3MoeForCausalLM", 151936, 2048, 6144, 48, 32, 4, 128, 40960, 1e-6, 1e6, null, 151643, 151645,
        new HfExperts(128, 8, 768, null, NormTopKProb: true, DecoderSparseStep: 1, MlpOnlyLayerCount: 0));

    [Fact]
    public void LayerMatrices_OfAMixtureOfExperts_CountTheExpertsATokenUses()
    {
        // Per layer: q 4096x2048, k and v 512x2048 each, o 2048x4096 = 18,874,368; 8 experts x 3 x 2048x768 = 37,748,736; x 48
        // layers: 2,717,908,992, the "3B active" of Qwen3-30B-A3B with the embedding and LM head (2 x 311,164,928).
        Assert.Equal(2_717_908_992L, ModelCost.From(Qwen3_30BA3B).LayerMatrixWeights);
    }

    [Fact]
    public void DecodeBytesPerToken_InBf16_CountsTheTiedLmHeadOnce()
    {
        // (357,826,560 + 151,936 x 896) x 2 bytes.
        Assert.Equal(987_922_432.0, ModelCost.From(Qwen05B).DecodeBytesPerToken("bf16"));
    }

    [Fact]
    public void DecodeBytesPerToken_InQ8_0_Is34BytesPer32Weights()
    {
        var cost = ModelCost.From(Qwen05B);
        Assert.Equal(cost.DecodeBytesPerToken("f16") * 17 / 32, cost.DecodeBytesPerToken("q8_0"), 6);
    }

    [Fact]
    public void PrefillFlops_AddAttentionOverEarlierTokensAndOneLmHeadRow()
    {
        var cost = ModelCost.From(Qwen05B);
        // 2 tokens: projections 2 x 2 x 357,826,560; attention 4 x 896 x 24 x (1 + 2); LM head 2 x 136,134,656 once.
        Assert.Equal(4.0 * 357_826_560 + 4.0 * 896 * 24 * 3 + 2.0 * 136_134_656, cost.PrefillFlops(2));
    }

    [Fact]
    public void DecodeFlopsPerToken_CountEveryMatrixAndAttentionOverTheMeanContext()
    {
        var cost = ModelCost.From(Qwen05B);
        // Every matrix once, the LM head included; 3 steps after 128 prompt tokens attend to 129, 130 and 131 keys.
        Assert.Equal(2.0 * (357_826_560 + 136_134_656) + 4.0 * 896 * 24 * 130, cost.DecodeFlopsPerToken(128, 3));
    }

    [Fact]
    public void HeadDim_OfQwen3WithoutOne_IsTransformersDefault128()
    {
        var qwen3 = Qwen05B with { Architecture = "Qwen3ForCausalLM" };
        Assert.Equal(14 * 128, ModelCost.From(qwen3).QueryDim);
    }
}
