using Inference.Gguf;
using Worker.Runtime.Models.Decoder;
using Worker.Runtime.Models.Gguf;
using Worker.Tests.Support;

namespace Worker.Tests.Models.Gguf;

/// <summary>How a GGUF file's metadata maps onto the decoder, and what is refused by name.</summary>
public sealed class GgufConfigReaderTests : IDisposable
{
    private readonly GgufHeaderFile _qwen2 = new("qwen2");
    private readonly GgufHeaderFile _llama = new("llama");

    public void Dispose()
    {
        _qwen2.Dispose();
        _llama.Dispose();
    }

    [Fact]
    public void Qwen2_Sizes_ComeFromTheArchitectureKeys()
    {
        var spec = GgufConfigReader.Read(_qwen2.Write()).Config.Spec;

        Assert.Equal((8, 16, 1, 2, 1, 4), (spec.Hidden, spec.Intermediate, spec.Layers, spec.Heads, spec.KvHeads, spec.HeadDim));
    }

    [Fact]
    public void Architecture_IsTheHuggingFaceNameTheFileWasConvertedFrom()
    {
        Assert.Equal("Qwen2ForCausalLM", GgufConfigReader.Read(_qwen2.Write()).Config.Architecture);
    }

    [Fact]
    public void VocabSize_IsTheTokenListLength()
    {
        Assert.Equal(4, GgufConfigReader.Read(_qwen2.Write()).Config.VocabSize);
    }

    [Fact]
    public void EosTokenIds_AreTheEosAndEotIds()
    {
        _qwen2.Metadata[GgufKeys.EotTokenId] = GgufValue.UInt32(2);

        Assert.Equal([3, 2], GgufConfigReader.Read(_qwen2.Write()).Config.EosTokenIds);
    }

    [Fact]
    public void KeyLength_SetsTheHeadSizeApartFromHiddenOverHeads()
    {
        _qwen2.Metadata[GgufKeys.KeyLength("qwen2")] = GgufValue.UInt32(6);
        _qwen2.Metadata[GgufKeys.ValueLength("qwen2")] = GgufValue.UInt32(6);

        Assert.Equal(6, GgufConfigReader.Read(_qwen2.Write()).Config.HeadDim);
    }

    [Fact]
    public void WithoutOutputWeight_EmbeddingsAreTied()
    {
        Assert.True(GgufConfigReader.Read(_qwen2.Write()).Config.Spec.TieWordEmbeddings);
    }

    [Fact]
    public void WithOutputWeight_EmbeddingsAreNotTied()
    {
        _qwen2.Tensors[GgufTensorNames.Output] = new float[4];

        Assert.False(GgufConfigReader.Read(_qwen2.Write()).Config.Spec.TieWordEmbeddings);
    }

    [Fact]
    public void Llama_QkvBias_FollowsTheAttnQBiasTensor()
    {
        _llama.Tensors[GgufTensorNames.Block(0, "attn_q.bias")] = new float[8];

        Assert.True(GgufConfigReader.Read(_llama.Write()).Config.Spec.QkvBias);
    }

    [Fact]
    public void Llama_QueryKeyRows_AreReportedPermuted()
    {
        Assert.Equal((2, 1), GgufConfigReader.Read(_llama.Write()).PermutedQueryKey);
    }

    [Fact]
    public void Qwen2_QueryKeyRows_AreNotPermuted()
    {
        Assert.Null(GgufConfigReader.Read(_qwen2.Write()).PermutedQueryKey);
    }

    [Fact]
    public void Yarn_ServesTheOriginalContextTimesTheFactor()
    {
        _qwen2.Metadata[GgufKeys.RopeScalingType("qwen2")] = GgufValue.String("yarn");
        _qwen2.Metadata[GgufKeys.RopeScalingFactor("qwen2")] = GgufValue.Float32(4);
        _qwen2.Metadata[GgufKeys.RopeScalingOriginalContextLength("qwen2")] = GgufValue.UInt32(64);

        Assert.Equal(256, GgufConfigReader.Read(_qwen2.Write()).Config.MaxPositionEmbeddings);
    }

    [Fact]
    public void RopeFreqs_DivideEachPairsFrequency()
    {
        _llama.Tensors[GgufTensorNames.RopeFrequencies] = [1f, 8f];

        var rope = GgufConfigReader.Read(_llama.Write()).Config.Spec.Rope;

        Assert.Equal(new RotaryEmbedding(10000, 4, null).InverseFrequencies[1] / 8f, rope.InverseFrequencies[1]);
    }

    [Fact]
    public void UnsupportedArchitecture_IsRefusedByName()
    {
        _qwen2.Metadata[GgufKeys.Architecture] = GgufValue.String("gemma2");

        var error = Assert.Throws<InvalidDataException>(() => GgufConfigReader.Read(_qwen2.Write()));
        Assert.Contains("'gemma2' is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LinearRopeScaling_IsRefusedByName()
    {
        _llama.Metadata[GgufKeys.RopeScalingType("llama")] = GgufValue.String("linear");

        var error = Assert.Throws<InvalidDataException>(() => GgufConfigReader.Read(_llama.Write()));
        Assert.Contains("llama.rope.scaling.type 'linear' is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PartialRotaryEmbedding_IsRefusedByKey()
    {
        _qwen2.Metadata[GgufKeys.RopeDimensionCount("qwen2")] = GgufValue.UInt32(2);

        var error = Assert.Throws<InvalidDataException>(() => GgufConfigReader.Read(_qwen2.Write()));
        Assert.Contains("qwen2.rope.dimension_count", error.Message, StringComparison.Ordinal);
    }
}
