namespace Inference.Gguf;

/// <summary>
/// GGUF tensor names of the decoder-only architectures (llama.cpp's tensor_mapping for llama, qwen2, qwen3, qwen3moe,
/// qwen2moe), and
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

        // Mixtures of experts (qwen3moe, qwen2moe): the router, and Qwen2-MoE's shared expert with its gate
        // (HF [1, H], GGUF the vector [H]). The experts themselves are stacked into one tensor per projection (below).
        ["mlp.gate.weight"] = "ffn_gate_inp.weight",
        ["mlp.shared_expert.gate_proj.weight"] = "ffn_gate_shexp.weight",
        ["mlp.shared_expert.up_proj.weight"] = "ffn_up_shexp.weight",
        ["mlp.shared_expert.down_proj.weight"] = "ffn_down_shexp.weight",
        ["mlp.shared_expert_gate.weight"] = "ffn_gate_inp_shexp.weight",
    };

    /// <summary>An expert's projection (mlp.experts.{e}.X) → the GGUF tensor that stacks X of every expert, [E, rows, cols].</summary>
    private static readonly Dictionary<string, string> ExpertSuffixes = new(StringComparer.Ordinal)
    {
        ["gate_proj.weight"] = "ffn_gate_exps.weight",
        ["up_proj.weight"] = "ffn_up_exps.weight",
        ["down_proj.weight"] = "ffn_down_exps.weight",
    };

    private static readonly Dictionary<string, string> ExpertSuffixesBack =
        ExpertSuffixes.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    private static readonly Dictionary<string, string> LayerSuffixesBack =
        LayerSuffixes.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    private static readonly Dictionary<string, string> GlobalBack =
        Global.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static string Block(int layer, string suffix) => $"{GgufLayerPrefix}{layer}.{suffix}";

    /// <summary>The GGUF name of a Hugging Face tensor, or null when the table has none.</summary>
    public static string? FromHuggingFace(string name) => Map(name, Global, HfLayerPrefix, LayerSuffixes, GgufLayerPrefix);

    /// <summary>The Hugging Face name of a GGUF tensor, or null when the table has none.</summary>
    public static string? ToHuggingFace(string name) => Map(name, GlobalBack, GgufLayerPrefix, LayerSuffixesBack, HfLayerPrefix);

    /// <summary>
    /// For a Hugging Face expert projection (model.layers.L.mlp.experts.E.gate_proj.weight): the GGUF tensor stacking that
    /// projection of every expert of the layer (blk.L.ffn_gate_exps.weight) and the expert's index in it; null for any other name.
    /// </summary>
    public static (string GgufName, int Expert)? ExpertFromHuggingFace(string name)
    {
        if (!TryLayer(name, HfLayerPrefix, out int layer, out string rest) || !rest.StartsWith(ExpertsPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        int dot = rest.IndexOf('.', ExpertsPrefix.Length);
        return dot > 0 && int.TryParse(rest.AsSpan(ExpertsPrefix.Length, dot - ExpertsPrefix.Length), out int expert) && expert >= 0
            && ExpertSuffixes.TryGetValue(rest[(dot + 1)..], out var stacked)
            ? (Block(layer, stacked), expert)
            : null;
    }

    /// <summary>
    /// For a GGUF tensor stacking one projection of every expert (blk.L.ffn_gate_exps.weight): the Hugging Face name of
    /// expert e's slice; null for any other name.
    /// </summary>
    public static Func<int, string>? ExpertsToHuggingFace(string name) =>
        TryLayer(name, GgufLayerPrefix, out int layer, out string rest) && ExpertSuffixesBack.TryGetValue(rest, out var suffix)
            ? expert => $"{HfLayerPrefix}{layer}.{ExpertsPrefix}{expert}.{suffix}"
            : null;

    private const string ExpertsPrefix = "mlp.experts.";

    private static bool TryLayer(string name, string prefix, out int layer, out string rest)
    {
        layer = -1;
        rest = "";
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        int dot = name.IndexOf('.', prefix.Length);
        if (dot < 0 || !int.TryParse(name.AsSpan(prefix.Length, dot - prefix.Length), out layer) || layer < 0)
        {
            return false;
        }

        rest = name[(dot + 1)..];
        return true;
    }

    private static string? Map(string name, Dictionary<string, string> global, string fromPrefix,
        Dictionary<string, string> suffixes, string toPrefix)
    {
        if (global.TryGetValue(name, out var mapped))
        {
            return mapped;
        }

        return TryLayer(name, fromPrefix, out int layer, out string rest) && suffixes.TryGetValue(rest, out var suffix)
            ? $"{toPrefix}{layer}.{suffix}"
            : null;
    }
}
