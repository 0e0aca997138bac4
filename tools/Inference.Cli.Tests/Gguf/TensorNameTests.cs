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
    [InlineData("model.layers.2.mlp.gate.weight", "blk.2.ffn_gate_inp.weight")]
    [InlineData("model.layers.1.mlp.shared_expert.down_proj.weight", "blk.1.ffn_down_shexp.weight")]
    [InlineData("model.layers.1.mlp.shared_expert_gate.weight", "blk.1.ffn_gate_inp_shexp.weight")]
    public void FromHuggingFace_MapsToLlamaCppName(string hfName, string ggufName)
    {
        Assert.Equal(ggufName, GgufTensorNames.FromHuggingFace(hfName));
        Assert.Equal(hfName, GgufTensorNames.ToHuggingFace(ggufName));
    }

    [Theory]
    [InlineData("model.layers.0.mlp.experts.0.up_proj.weight")]  // an expert: a slice of a stacked tensor, not a tensor of its own
    [InlineData("model.layers.x.mlp.up_proj.weight")]
    [InlineData("visual.patch_embed.weight")]
    public void FromHuggingFace_UnknownName_IsNull(string hfName)
    {
        Assert.Null(GgufTensorNames.FromHuggingFace(hfName));
    }

    /// <summary>llama.cpp stacks each projection of a layer's experts into one [E, rows, cols] tensor; expert e is slice e.</summary>
    [Theory]
    [InlineData("model.layers.0.mlp.experts.0.up_proj.weight", "blk.0.ffn_up_exps.weight", 0)]
    [InlineData("model.layers.47.mlp.experts.127.gate_proj.weight", "blk.47.ffn_gate_exps.weight", 127)]
    [InlineData("model.layers.5.mlp.experts.3.down_proj.weight", "blk.5.ffn_down_exps.weight", 3)]
    public void Experts_AreSlicesOfOneStackedTensorPerProjection(string hfName, string ggufName, int expert)
    {
        Assert.Equal((ggufName, expert), GgufTensorNames.ExpertFromHuggingFace(hfName));
        Assert.Equal(hfName, GgufTensorNames.ExpertsToHuggingFace(ggufName)!(expert));
        Assert.Null(GgufTensorNames.ExpertFromHuggingFace("model.layers.0.mlp.up_proj.weight"));
        Assert.Null(GgufTensorNames.ExpertsToHuggingFace("blk.0.ffn_up.weight"));
    }

    [Fact]
    public void InterleaveHalves_TakesRowIAndRowIPlusHalfHeadDimInTurn()
    {
        // Two heads of 4 rows: rotate_half pairs (0,2),(1,3) become adjacent.
        Assert.Equal([0, 2, 1, 3, 4, 6, 5, 7], RowPermutation.InterleaveHalves(8, 2));
    }
}
