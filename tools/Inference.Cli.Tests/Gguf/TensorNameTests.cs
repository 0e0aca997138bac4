using Inference.Cli.Gguf;
using Inference.Gguf;

namespace Inference.Cli.Tests.Gguf;

public sealed class TensorNameTests
{
    [Theory]
    [InlineData("model.embed_tokens.weight", "token_embd.weight")]
    [InlineData("lm_head.weight", "output.weight")]
    [InlineData("model.norm.weight", "output_norm.weight")]
    [InlineData("model.layers.11.self_attn.k_proj.bias", "blk.11.attn_k.bias")]
    [InlineData("model.layers.0.self_attn.q_norm.weight", "blk.0.attn_q_norm.weight")]
    [InlineData("model.layers.3.post_attention_layernorm.weight", "blk.3.ffn_norm.weight")]
    public void FromHuggingFace_MapsToLlamaCppName(string hfName, string ggufName)
    {
        Assert.Equal(ggufName, GgufTensorNames.FromHuggingFace(hfName));
        Assert.Equal(hfName, GgufTensorNames.ToHuggingFace(ggufName));
    }

    [Theory]
    [InlineData("model.layers.0.mlp.experts.0.up_proj.weight")]
    [InlineData("model.layers.x.mlp.up_proj.weight")]
    [InlineData("visual.patch_embed.weight")]
    public void FromHuggingFace_UnknownName_IsNull(string hfName)
    {
        Assert.Null(GgufTensorNames.FromHuggingFace(hfName));
    }

    [Fact]
    public void InterleaveHalves_TakesRowIAndRowIPlusHalfHeadDimInTurn()
    {
        // Two heads of 4 rows: rotate_half pairs (0,2),(1,3) become adjacent.
        Assert.Equal([0, 2, 1, 3, 4, 6, 5, 7], RowPermutation.InterleaveHalves(8, 2));
    }
}
