using Worker.Runtime.Models.Decoder;

namespace Worker.Runtime.Models.Qwen3Moe;

/// <summary>
/// Qwen3MoeForCausalLM (Qwen3-30B-A3B, Qwen3-235B-A22B): Qwen3's attention (per-head q/k RMSNorm, no q/k/v bias unless
/// attention_bias, head_dim default 128) with a mixture of experts in place of the dense MLP in every layer that
/// decoder_sparse_step selects and mlp_only_layers leaves out; no shared expert.
/// </summary>
public static class Qwen3MoeConfig
{
    public const string ArchitectureName = "Qwen3MoeForCausalLM";

    internal static readonly DecoderConfigRules Rules = new(
        QkNorm: true, QkvBias: null, DefaultHeadDim: 128, DefaultMaxPositionEmbeddings: 32768, SlidingWindowNeedsFlag: true, ExpertLayout.Routed);
}
