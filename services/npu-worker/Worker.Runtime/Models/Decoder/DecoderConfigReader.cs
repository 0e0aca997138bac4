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
            new RotaryEmbedding(theta, headDim, scaling));
        DecoderSpecNames.ConfigJson.Validate(spec, path);
        return new DecoderConfig(architecture, spec, context, LoadEosTokenIds(directory, root));
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
