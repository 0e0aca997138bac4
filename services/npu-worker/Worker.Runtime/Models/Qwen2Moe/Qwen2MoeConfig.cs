using Worker.Runtime.Models.Decoder;

namespace Worker.Runtime.Models.Qwen2Moe;

/// <summary>
/// Qwen2MoeForCausalLM (Qwen1.5-MoE-A2.7B, Qwen2-57B-A14B): Qwen2's attention (q/k/v biases) with a mixture of experts
/// in place of the dense MLP in every layer that decoder_sparse_step selects and mlp_only_layers leaves out, plus a
/// shared expert every token runs, scaled by sigmoid(shared_expert_gate(x)).
/// </summary>
public static class Qwen2MoeConfig
{
    public const string ArchitectureName = "Qwen2MoeForCausalLM";

    internal static readonly DecoderConfigRules Rules = new(
        QkNorm: false, QkvBias: true, DefaultHeadDim: null, DefaultMaxPositionEmbeddings: 32768, SlidingWindowNeedsFlag: true, ExpertLayout.RoutedAndShared);
}
