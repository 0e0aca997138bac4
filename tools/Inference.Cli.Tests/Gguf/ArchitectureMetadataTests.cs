using Inference.Cli.Gguf;
using Inference.Gguf;

namespace Inference.Cli.Tests.Gguf;

/// <summary>What the converter writes for the architectures other than Qwen2, from config.json alone.</summary>
public sealed class ArchitectureMetadataTests
{
    private static readonly HfModelConfig Qwen3 = new("Qwen3ForCausalLM", 151936, 1024, 3072, 28, 16, 8, 128, 40960, 1e-6, 1e6, null, 151643, 151645);

    private static readonly HfModelConfig Llama31 = new("LlamaForCausalLM", 128256, 2048, 8192, 16, 32, 8, null, 131072, 1e-5, 500000,
        new HfRopeScaling("llama3", 32, 8192, 1, 4), 128000, 128001);

    /// <summary>Qwen3-30B-A3B's config.json, as far as the GGUF file needs it.</summary>
    private static readonly HfModelConfig Qwen3Moe = new("Qwen3MoeForCausalLM", 151936, 2048, 6144, 48, 32, 4, 128, 40960, 1e-6, 1e6, null, 151643, 151645,
        new HfExperts(128, 8, 768, null, NormTopKProb: true, DecoderSparseStep: 1, MlpOnlyLayerCount: 0));

    [Fact]
    public void Qwen3Moe_WritesTheExpertKeys()
    {
        var metadata = Write(Qwen3Moe);
        Assert.Equal("qwen3moe", metadata.Get<string>(GgufKeys.Architecture));
        Assert.Equal(128u, metadata.Get<uint>("qwen3moe.expert_count"));
        Assert.Equal(8u, metadata.Get<uint>("qwen3moe.expert_used_count"));
        Assert.Equal(768u, metadata.Get<uint>("qwen3moe.expert_feed_forward_length"));
        Assert.False(metadata.Contains("qwen3moe.expert_shared_feed_forward_length"));
    }

    [Fact]
    public void Qwen2Moe_WritesTheSharedExpertsWidth()
    {
        var metadata = Write(Qwen3Moe with
        {
            Architecture = "Qwen2MoeForCausalLM",
            Experts = new HfExperts(60, 4, 1408, 5632, NormTopKProb: false, DecoderSparseStep: 1, MlpOnlyLayerCount: 0),
        });
        Assert.Equal(5632u, metadata.Get<uint>("qwen2moe.expert_shared_feed_forward_length"));
    }

    /// <summary>llama.cpp's graphs fix which layers are sparse and whether the chosen probabilities are renormalized.</summary>
    [Theory]
    [InlineData(false, 1, 0, "norm_topk_prob")]
    [InlineData(true, 2, 0, "decoder_sparse_step")]
    [InlineData(true, 1, 1, "mlp_only_layers")]
    public void Qwen3Moe_ExpertsLlamaCppWouldRunDifferently_AreRefusedNamingTheField(bool norm, int step, int denseLayers, string field)
    {
        var e = Assert.Throws<InvalidDataException>(() => Write(Qwen3Moe with
        {
            Experts = Qwen3Moe.Experts! with { NormTopKProb = norm, DecoderSparseStep = step, MlpOnlyLayerCount = denseLayers },
        }));
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen3_WithExplicitHeadDim_WritesKeyAndValueLength()
    {
        var metadata = Write(Qwen3);
        Assert.Equal("qwen3", metadata.Get<string>(GgufKeys.Architecture));
        Assert.Equal(128u, metadata.Get<uint>("qwen3.attention.key_length"));
        Assert.Equal(128u, metadata.Get<uint>("qwen3.attention.value_length"));
    }

    [Fact]
    public void Llama_WritesVocabSizeAndRopeDimensionCount()
    {
        var metadata = Write(Llama31);
        Assert.Equal(128256u, metadata.Get<uint>("llama.vocab_size"));
        Assert.Equal(64u, metadata.Get<uint>("llama.rope.dimension_count"));
    }

    [Fact]
    public void Llama3RopeScaling_GoesToTheRopeFreqsTensorNotToKeys()
    {
        Assert.False(Write(Llama31).Contains("llama.rope.scaling.type"));
    }

    [Fact]
    public void YarnRopeScaling_WritesTypeFactorAndOriginalContext()
    {
        var metadata = Write(Qwen3 with { RopeScaling = new HfRopeScaling("yarn", 4, 32768, null, null) });
        Assert.Equal("yarn", metadata.Get<string>("qwen3.rope.scaling.type"));
        Assert.Equal(4f, metadata.Get<float>("qwen3.rope.scaling.factor"));
        Assert.Equal(32768u, metadata.Get<uint>("qwen3.rope.scaling.original_context_length"));
    }

    [Fact]
    public void RopeScaling_OfATypeTheArchitectureDoesNotCarry_Throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => Write(Qwen3 with { RopeScaling = new HfRopeScaling("dynamic", 2, null, null, null) }));
        Assert.Contains("'dynamic'", e.Message);
    }

    [Fact]
    public void UnknownArchitecture_ThrowsListingTheSupportedOnes()
    {
        var e = Assert.Throws<InvalidDataException>(() => GgufArchitecture.For("MistralForCausalLM"));
        Assert.Contains("Qwen2ForCausalLM, Qwen3ForCausalLM, LlamaForCausalLM", e.Message);
    }

    [Fact]
    public void Llama3Factors_KeepHighFrequenciesScaleLowOnesAndBlendBetween()
    {
        var factors = RopeFrequencyFactors.Llama3(Llama31, 64);
        Assert.Equal(32, factors.Length);
        Assert.Equal(1f, factors[0]);    // wavelength 2π: far below 8192 / 4
        Assert.Equal(32f, factors[^1]);  // wavelength ~ 2π·500000^(62/64): far above 8192
        Assert.Contains(factors, f => f > 1 && f < 32);
        Assert.Equal(factors.Order().ToArray(), factors);
    }

    private static GgufMetadata Write(HfModelConfig config)
    {
        var metadata = new GgufMetadata();
        GgufModelMetadata.Add(metadata, config, GgufArchitecture.For(config.Architecture), "test", GgufFileType.MostlyF16);
        return metadata;
    }
}
