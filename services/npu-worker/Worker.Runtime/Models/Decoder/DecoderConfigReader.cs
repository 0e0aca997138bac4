using System.Text.Json;
using System.Text.Json.Nodes;
using static Worker.Runtime.Models.ConfigJson;

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// Reads the config.json of a Qwen2 / Qwen3 / Llama model folder by transformers' field names, applying one
/// architecture's <see cref="DecoderConfigRules"/>, and refuses what the decoder does not run (another
/// activation, MLP biases, a sliding window, an unknown rope_scaling) with a message naming the field.
/// </summary>
internal static class DecoderConfigReader
{
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">A field is missing, invalid or not supported.</exception>
    /// <param name="overrides">vLLM's hf_overrides over config.json's fields; null: none.</param>
    public static DecoderConfig Read(string directory, string architecture, DecoderConfigRules rules, JsonObject? overrides = null)
    {
        using var document = Open(directory, out string path, overrides);
        var root = document.RootElement;
        if (root.TryGetProperty("hidden_act", out var act) && act.GetString() != "silu")
        {
            throw new InvalidDataException($"{path}: hidden_act '{act.GetString()}' is not supported; expected 'silu'.");
        }

        if (root.TryGetProperty("mlp_bias", out var mlpBias) && mlpBias.ValueKind == JsonValueKind.True)
        {
            throw new InvalidDataException($"{path}: mlp_bias true is not supported; expected false.");
        }

        int hidden = RequiredInt(root, path, "hidden_size");
        int heads = RequiredInt(root, path, "num_attention_heads");
        Check(path, heads > 0, $"num_attention_heads must be > 0, got {heads}");
        int headDim = OptionalInt(root, path, "head_dim") ?? rules.DefaultHeadDim ?? hidden / heads;
        Check(path, headDim > 0 && headDim % 2 == 0, $"head_dim must be even and > 0 (rotary embedding), got {headDim}");
        int maxPositions = OptionalInt(root, path, "max_position_embeddings") ?? rules.DefaultMaxPositionEmbeddings;
        Check(path, maxPositions > 0, $"max_position_embeddings must be > 0, got {maxPositions}");
        double theta = OptionalDouble(root, path, "rope_theta") ?? 10000.0;
        Check(path, theta > 0, $"rope_theta must be > 0, got {theta}");
        var scaling = RopeScalingReader.Read(root, path, theta, headDim, maxPositions);
        int context = scaling?.ContextLength(maxPositions) ?? maxPositions;
        RefuseSlidingWindow(root, path, rules, context);

        var spec = new DecoderSpec(
            RequiredInt(root, path, "vocab_size"),
            hidden,
            RequiredInt(root, path, "intermediate_size"),
            RequiredInt(root, path, "num_hidden_layers"),
            heads,
            OptionalInt(root, path, "num_key_value_heads") ?? heads,
            headDim,
            (float)(OptionalDouble(root, path, "rms_norm_eps") ?? 1e-6),
            rules.QkvBias ?? Flag(root, "attention_bias"),
            rules.QkNorm,
            Flag(root, "tie_word_embeddings"),
            new RotaryEmbedding(theta, headDim, scaling),
            ReadExperts(root, path, rules.Experts));
        DecoderSpecNames.ConfigJson.Validate(spec, path);
        return new DecoderConfig(architecture, spec, context, LoadEosTokenIds(directory, root));
    }

    /// <summary>
    /// The mixture-of-experts fields of transformers' Qwen3MoeConfig / Qwen2MoeConfig: num_experts,
    /// num_experts_per_tok, moe_intermediate_size (and shared_expert_intermediate_size) required, norm_topk_prob
    /// (default false), decoder_sparse_step (default 1) and mlp_only_layers (default none) as transformers defaults them.
    /// </summary>
    private static MixtureOfExperts? ReadExperts(JsonElement root, string path, ExpertLayout layout)
    {
        if (layout == ExpertLayout.None)
        {
            return null;
        }

        int experts = RequiredInt(root, path, "num_experts");
        Check(path, experts > 0, $"num_experts must be > 0, got {experts}");
        int perToken = RequiredInt(root, path, "num_experts_per_tok");
        Check(path, perToken > 0 && perToken <= experts, $"num_experts_per_tok must be in [1, num_experts {experts}], got {perToken}");
        int width = RequiredInt(root, path, "moe_intermediate_size");
        Check(path, width > 0, $"moe_intermediate_size must be > 0, got {width}");
        int shared = 0;
        if (layout == ExpertLayout.RoutedAndShared)
        {
            shared = RequiredInt(root, path, "shared_expert_intermediate_size");
            Check(path, shared > 0, $"shared_expert_intermediate_size must be > 0, got {shared}");
        }

        int step = OptionalInt(root, path, "decoder_sparse_step") ?? 1;
        Check(path, step > 0, $"decoder_sparse_step must be > 0, got {step}");
        var denseLayers = new List<int>();
        if (root.TryGetProperty("mlp_only_layers", out var only) && only.ValueKind != JsonValueKind.Null)
        {
            Check(path, only.ValueKind == JsonValueKind.Array && only.EnumerateArray().All(v => v.TryGetInt32(out int l) && l >= 0),
                "mlp_only_layers must be an array of layer indices");
            denseLayers.AddRange(only.EnumerateArray().Select(v => v.GetInt32()));
        }

        return new MixtureOfExperts(experts, perToken, width, Flag(root, "norm_topk_prob"), step, denseLayers, shared);
    }

    /// <summary>A window smaller than the context would need per-layer windowed attention, which the decoder does not do.</summary>
    private static void RefuseSlidingWindow(JsonElement root, string path, DecoderConfigRules rules, int context)
    {
        bool enabled = !rules.SlidingWindowNeedsFlag || Flag(root, "use_sliding_window");
        int? window = OptionalInt(root, path, "sliding_window");
        if (enabled && window is int w && w < context)
        {
            string setting = rules.SlidingWindowNeedsFlag ? $"use_sliding_window true with sliding_window {w}" : $"sliding_window {w}";
            throw new InvalidDataException(
                $"{path}: {setting} is not supported (sliding-window attention over a context of {context}); " +
                "this worker runs full attention only.");
        }
    }

    private static bool Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static void Check(string path, bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException($"{path}: {message}.");
        }
    }
}
