namespace Worker.Runtime.Models.Decoder;

/// <summary>How one architecture's config.json maps onto the decoder: its switches and its transformers defaults.</summary>
/// <param name="QkNorm">Per-head q/k RMSNorm (q_norm, k_norm) before RoPE.</param>
/// <param name="QkvBias">Whether q/k/v projections have a bias; null reads `attention_bias` (default false).</param>
/// <param name="DefaultHeadDim">head_dim when config.json has none; null means hidden_size / num_attention_heads.</param>
/// <param name="DefaultMaxPositionEmbeddings">max_position_embeddings when config.json has none.</param>
/// <param name="SlidingWindowNeedsFlag">
/// True when `sliding_window` only applies with `use_sliding_window: true` (Qwen2, Qwen3); false when a set
/// `sliding_window` applies by itself (Llama/Mistral style).
/// </param>
/// <param name="Experts">How its MLPs are sparse: none (dense), routed experts only (Qwen3-MoE), or routed plus a shared
/// expert (Qwen2-MoE).</param>
public sealed record DecoderConfigRules(
    bool QkNorm,
    bool? QkvBias,
    int? DefaultHeadDim,
    int DefaultMaxPositionEmbeddings,
    bool SlidingWindowNeedsFlag,
    ExpertLayout Experts = ExpertLayout.None);

/// <summary>Whether an architecture's MLPs are a mixture of experts, and whether it has a shared expert.</summary>
public enum ExpertLayout
{
    None,
    Routed,
    RoutedAndShared,
}
