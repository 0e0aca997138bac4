using Worker.Runtime.Models.Decoder;

namespace Worker.Runtime.Models.Qwen3;

/// <summary>
/// Qwen3ForCausalLM: per-head RMSNorm of q and k (self_attn.q_norm / k_norm, [head_dim]) before RoPE, no q/k/v
/// bias unless attention_bias, an explicit head_dim (transformers' default 128) that need not be hidden / heads,
/// rope_scaling "yarn" as its model card describes, sliding window only with use_sliding_window (refused).
/// </summary>
public static class Qwen3Config
{
    public const string ArchitectureName = "Qwen3ForCausalLM";

    internal static readonly DecoderConfigRules Rules = new(
        QkNorm: true, QkvBias: null, DefaultHeadDim: 128, DefaultMaxPositionEmbeddings: 32768, SlidingWindowNeedsFlag: true);
}
