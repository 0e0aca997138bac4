using Worker.Runtime.Models.Decoder;

namespace Worker.Runtime.Models.Llama;

/// <summary>
/// LlamaForCausalLM (Llama 2, 3, 3.1, 3.2): no bias unless attention_bias (mlp_bias refused), head_dim optional
/// (hidden / heads), rope_scaling "llama3" (factor, low_freq_factor, high_freq_factor,
/// original_max_position_embeddings); a set sliding_window smaller than the context is refused.
/// </summary>
public static class LlamaConfig
{
    public const string ArchitectureName = "LlamaForCausalLM";

    internal static readonly DecoderConfigRules Rules = new(
        QkNorm: false, QkvBias: null, DefaultHeadDim: null, DefaultMaxPositionEmbeddings: 2048, SlidingWindowNeedsFlag: false);
}
