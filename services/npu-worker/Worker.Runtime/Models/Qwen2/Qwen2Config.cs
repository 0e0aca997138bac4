using Worker.Runtime.Models.Decoder;

namespace Worker.Runtime.Models.Qwen2;

/// <summary>
/// Qwen2ForCausalLM (Qwen2, Qwen2.5): biases on q/k/v, head_dim = hidden / heads unless config.json sets it,
/// rope_scaling "yarn" for long context as the Qwen2.5 model card enables it, sliding window only with
/// use_sliding_window (refused). Defaults are transformers' Qwen2Config ones.
/// </summary>
public static class Qwen2Config
{
    public const string ArchitectureName = "Qwen2ForCausalLM";

    internal static readonly DecoderConfigRules Rules = new(
        QkNorm: false, QkvBias: true, DefaultHeadDim: null, DefaultMaxPositionEmbeddings: 32768, SlidingWindowNeedsFlag: true);
}
