using Inference.Cli.Gguf;
using Inference.Gguf;

namespace Inference.Cli.Tests.Gguf;

/// <summary>What the converter writes for the architectures other than Qwen2, from config.json alone.</summary>
public sealed class ArchitectureMetadataTests
{
    private static readonly HfModelConfig Qwen3 = new("Qwen3ForCausalLM", 151936, 1024, 3072, 28, 16, 8, 128, 40960, 1e-6, 1e6, null, 151643, 151645);

    private static readonly HfModelConfig Llama31 = new("LlamaForCausalLM", 128256, 2048, 8192, 16, 32, 8, null, 131072, 1e-5, 500000,
        new HfRopeScaling("llama3", 32, 8192, 1, 4), 128000, 128001);

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
