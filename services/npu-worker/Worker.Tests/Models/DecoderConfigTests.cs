using System.Text.Json.Nodes;
using Worker.Runtime.Models;
using Worker.Runtime.Models.Decoder;
using Worker.Tests.Support;

namespace Worker.Tests.Models;

/// <summary>How each architecture's config.json maps onto the decoder's switches, and what is refused by field.</summary>
public sealed class DecoderConfigTests : IDisposable
{
    private readonly ConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Qwen3_WithoutHeadDim_UsesTransformersDefault128()
    {
        var config = Load(Json("Qwen3ForCausalLM"));
        Assert.Equal(128, config.HeadDim);
    }

    [Fact]
    public void Qwen3_ExplicitHeadDim_IsKeptApartFromHiddenOverHeads()
    {
        var json = Json("Qwen3ForCausalLM");
        json["head_dim"] = 24;
        var config = Load(json);
        Assert.Equal(24, config.HeadDim);
        Assert.Equal(4 * 24, config.Spec.QueryWidth);
    }

    [Fact]
    public void Qwen3_HasQkNormAndNoBias()
    {
        var spec = Load(Json("Qwen3ForCausalLM")).Spec;
        Assert.True(spec.QkNorm);
        Assert.False(spec.QkvBias);
    }

    [Fact]
    public void Llama_AttentionBiasTrue_EnablesQkvBias()
    {
        var json = Json("LlamaForCausalLM");
        json["attention_bias"] = true;
        Assert.True(Load(json).Spec.QkvBias);
    }

    [Fact]
    public void Llama_MlpBias_IsRefusedNamingTheField()
    {
        var json = Json("LlamaForCausalLM");
        json["mlp_bias"] = true;
        Assert.Contains("mlp_bias", Refused(json));
    }

    [Theory]
    [InlineData("Qwen2ForCausalLM")]
    [InlineData("Qwen3ForCausalLM")]
    public void Qwen_UseSlidingWindowWithSmallerWindow_IsRefusedNamingTheFields(string architecture)
    {
        var json = Json(architecture);
        json["use_sliding_window"] = true;
        json["sliding_window"] = 4096;
        string message = Refused(json);
        Assert.Contains("use_sliding_window", message);
        Assert.Contains("sliding_window 4096", message);
    }

    [Fact]
    public void Qwen2_SlidingWindowWithoutUseSlidingWindow_IsAccepted()
    {
        var json = Json("Qwen2ForCausalLM");
        json["use_sliding_window"] = false;
        json["sliding_window"] = 4096;
        Assert.Equal(32768, Load(json).MaxPositionEmbeddings);
    }

    [Fact]
    public void Llama_SlidingWindowSet_IsRefusedNamingTheField()
    {
        var json = Json("LlamaForCausalLM");
        json["sliding_window"] = 1024;
        Assert.Contains("sliding_window 1024", Refused(json));
    }

    [Fact]
    public void UnknownRopeScalingType_IsRefusedNamingItAndTheSupportedOnes()
    {
        var json = Json("Qwen2ForCausalLM");
        json["rope_scaling"] = new JsonObject { ["rope_type"] = "longrope", ["factor"] = 2.0 };
        string message = Refused(json);
        Assert.Contains("rope_scaling type 'longrope' is not supported", message);
        Assert.Contains("default, yarn, llama3", message);
    }

    [Fact]
    public void Yarn_ServesOriginalContextTimesFactor()
    {
        var json = Json("Qwen2ForCausalLM");
        json["rope_scaling"] = new JsonObject { ["type"] = "yarn", ["factor"] = 4.0, ["original_max_position_embeddings"] = 32768 };
        var config = Load(json);
        Assert.Equal(131072, config.MaxPositionEmbeddings);
        Assert.Equal(0.1f * MathF.Log(4f) + 1f, config.Spec.Rope.Scaling!.AttentionFactor, 6);
    }

    [Fact]
    public void Yarn_KeepsFastDimensionsAndDividesSlowOnesByFactor()
    {
        var json = Json("Qwen2ForCausalLM");
        json["head_dim"] = 128;
        json["rope_theta"] = 1000000.0;
        json["rope_scaling"] = new JsonObject { ["type"] = "yarn", ["factor"] = 4.0, ["original_max_position_embeddings"] = 32768 };
        var scaled = Load(json).Spec.Rope.InverseFrequencies;
        var plain = new RotaryEmbedding(1000000.0, 128, scaling: null).InverseFrequencies;
        Assert.Equal(plain[0], scaled[0]);
        Assert.Equal(plain[63] / 4, scaled[63], 1e-12f);
    }

    [Fact]
    public void Llama3_KeepsHighFrequenciesAndDividesLowOnesByFactor()
    {
        var json = Json("LlamaForCausalLM");
        json["head_dim"] = 64;
        json["rope_theta"] = 500000.0;
        json["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 32.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 8192,
        };
        var scaled = Load(json).Spec.Rope.InverseFrequencies;
        var plain = new RotaryEmbedding(500000.0, 64, scaling: null).InverseFrequencies;
        Assert.Equal(plain[0], scaled[0]);
        Assert.Equal(plain[31] / 32, scaled[31]);
    }

    [Fact]
    public void Llama3_MissingField_IsRefusedNamingIt()
    {
        var json = Json("LlamaForCausalLM");
        json["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0 };
        Assert.Contains("low_freq_factor", Refused(json));
    }

    private static JsonObject Json(string architecture) => ConfigFolder.Tiny(architecture);

    private DecoderConfig Load(JsonObject json)
    {
        _folder.Write(json);
        return Assert.IsType<DecoderConfig>(ModelRegistry.LoadConfig(_folder.Path));
    }

    private string Refused(JsonObject json)
    {
        _folder.Write(json);
        return Assert.Throws<InvalidDataException>(() => ModelRegistry.LoadConfig(_folder.Path)).Message;
    }
}
