namespace Inference.Gguf;

/// <summary>
/// GGUF tensor names of the decoder-only architectures (llama.cpp's tensor_mapping for llama, qwen2, qwen3), and
/// the Hugging Face checkpoint names they come from. The same table serves a writer (Hugging Face → GGUF) and a
/// reader (GGUF → Hugging Face).
/// </summary>
public static class GgufTensorNames
{
    public const string TokenEmbedding = "token_embd.weight";
    public const string OutputNorm = "output_norm.weight";
    public const string Output = "output.weight";

    /// <summary>Per-dimension RoPE frequency factors (llama3 rope scaling), F32 [head_dim / 2].</summary>
    public const string RopeFrequencies = "rope_freqs.weight";

    private const string HfLayerPrefix = "model.layers.";
    private const string GgufLayerPrefix = "blk.";

    private static readonly Dictionary<string, string> Global = new(StringComparer.Ordinal)
    {
        ["model.embed_tokens.weight"] = TokenEmbedding,
        ["model.norm.weight"] = OutputNorm,
        ["lm_head.weight"] = Output,
    };

    /// <summary>The name inside a layer: Hugging Face suffix → GGUF suffix.</summary>
    private static readonly Dictionary<string, string> LayerSuffixes = new(StringComparer.Ordinal)
    {
        ["input_layernorm.weight"] = "attn_norm.weight",
        ["self_attn.q_proj.weight"] = "attn_q.weight",
        ["self_attn.q_proj.bias"] = "attn_q.bias",
        ["self_attn.k_proj.weight"] = "attn_k.weight",
        ["self_attn.k_proj.bias"] = "attn_k.bias",
        ["self_attn.v_proj.weight"] = "attn_v.weight",
        ["self_attn.v_proj.bias"] = "attn_v.bias",
        ["self_attn.o_proj.weight"] = "attn_output.weight",
        ["self_attn.o_proj.bias"] = "attn_output.bias",
        ["self_attn.q_norm.weight"] = "attn_q_norm.weight",
        ["self_attn.k_norm.weight"] = "attn_k_norm.weight",
        ["post_attention_layernorm.weight"] = "ffn_norm.weight",
        ["mlp.gate_proj.weight"] = "ffn_gate.weight",
        ["mlp.up_proj.weight"] = "ffn_up.weight",
        ["mlp.down_proj.weight"] = "ffn_down.weight",
    };

    private static readonly Dictionary<string, string> LayerSuffixesBack =
        LayerSuffixes.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    private static readonly Dictionary<string, string> GlobalBack =
        Global.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static string Block(int layer, string suffix) => $"{GgufLayerPrefix}{layer}.{suffix}";

    /// <summary>The GGUF name of a Hugging Face tensor, or null when the table has none.</summary>
    public static string? FromHuggingFace(string name) => Map(name, Global, HfLayerPrefix, LayerSuffixes, GgufLayerPrefix);

    /// <summary>The Hugging Face name of a GGUF tensor, or null when the table has none.</summary>
    public static string? ToHuggingFace(string name) => Map(name, GlobalBack, GgufLayerPrefix, LayerSuffixesBack, HfLayerPrefix);

    private static string? Map(string name, Dictionary<string, string> global, string fromPrefix,
        Dictionary<string, string> suffixes, string toPrefix)
    {
        if (global.TryGetValue(name, out var mapped))
        {
            return mapped;
        }

        if (!name.StartsWith(fromPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        int dot = name.IndexOf('.', fromPrefix.Length);
        if (dot < 0 || !int.TryParse(name.AsSpan(fromPrefix.Length, dot - fromPrefix.Length), out int layer) || layer < 0
            || !suffixes.TryGetValue(name[(dot + 1)..], out var suffix))
        {
            return null;
        }

        return $"{toPrefix}{layer}.{suffix}";
    }
}
