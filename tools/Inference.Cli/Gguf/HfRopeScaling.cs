using System.Text.Json;

namespace Inference.Cli.Gguf;

/// <summary>config.json's rope_scaling: its type ("rope_type", or the older "type") and the fields the types use.</summary>
public sealed record HfRopeScaling(
    string Type,
    double Factor,
    int? OriginalMaxPositionEmbeddings,
    double? LowFreqFactor,
    double? HighFreqFactor)
{
    /// <summary>The rope_scaling object, or null when absent, null, or of type "default".</summary>
    public static HfRopeScaling? Read(JsonElement config)
    {
        if (!config.TryGetProperty("rope_scaling", out var scaling) || scaling.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string type = (scaling.TryGetProperty("rope_type", out var t) ? t.GetString() : null)
            ?? (scaling.TryGetProperty("type", out var old) ? old.GetString() : null)
            ?? throw new InvalidDataException("rope_scaling has no 'rope_type' (or 'type')");
        if (type == "default")
        {
            return null;
        }

        return new HfRopeScaling(
            type,
            HfModelConfig.OptionalDouble(scaling, "factor") ?? throw new InvalidDataException($"rope_scaling of type '{type}' has no 'factor'"),
            HfModelConfig.OptionalInt(scaling, "original_max_position_embeddings"),
            HfModelConfig.OptionalDouble(scaling, "low_freq_factor"),
            HfModelConfig.OptionalDouble(scaling, "high_freq_factor"));
    }
}
