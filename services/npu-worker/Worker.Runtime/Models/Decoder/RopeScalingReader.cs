using System.Text.Json;
using static Worker.Runtime.Models.ConfigJson;

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// config.json's `rope_scaling`: null, absent or type "default" means none; "yarn" and "llama3" are read with
/// transformers' field names (`rope_type`, or the older `type`); any other type is refused by name.
/// </summary>
internal static class RopeScalingReader
{
    public const string Supported = "default, yarn, llama3";

    /// <exception cref="InvalidDataException">The type is not supported or a field is missing or invalid (named).</exception>
    public static RopeScaling? Read(JsonElement root, string path, double theta, int headDim, int maxPositionEmbeddings)
    {
        if (!root.TryGetProperty("rope_scaling", out var scaling) || scaling.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (scaling.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{path}: rope_scaling must be an object or null, got {scaling.GetRawText()}.");
        }

        string field = $"{path}: rope_scaling";
        string? type = OptionalString(scaling, "rope_type") ?? OptionalString(scaling, "type");
        switch (type)
        {
            case null or "default":
                return null;
            case "yarn":
                foreach (string unsupported in new[] { "mscale", "mscale_all_dim", "truncate" })
                {
                    if (scaling.TryGetProperty(unsupported, out _))
                    {
                        throw new InvalidDataException($"{field}.{unsupported} is not supported for yarn.");
                    }
                }

                var yarn = new YarnRopeScaling(
                    Factor(scaling, field),
                    OptionalInt(scaling, field, "original_max_position_embeddings") ?? maxPositionEmbeddings,
                    OptionalDouble(scaling, field, "beta_fast") ?? 32,
                    OptionalDouble(scaling, field, "beta_slow") ?? 1,
                    OptionalDouble(scaling, field, "attention_factor"),
                    theta,
                    headDim);
                Check(yarn.OriginalMaxPositionEmbeddings > 0, $"{field}.original_max_position_embeddings must be > 0");
                return yarn;
            case "llama3":
                var llama3 = new Llama3RopeScaling(
                    Factor(scaling, field),
                    OptionalDouble(scaling, field, "low_freq_factor") ?? throw Missing(field, "low_freq_factor"),
                    OptionalDouble(scaling, field, "high_freq_factor") ?? throw Missing(field, "high_freq_factor"),
                    OptionalInt(scaling, field, "original_max_position_embeddings") ?? throw Missing(field, "original_max_position_embeddings"));
                Check(llama3.LowFreqFactor > 0 && llama3.HighFreqFactor > llama3.LowFreqFactor,
                    $"{field}: need 0 < low_freq_factor < high_freq_factor, got {llama3.LowFreqFactor} and {llama3.HighFreqFactor}");
                Check(llama3.OriginalMaxPositionEmbeddings > 0, $"{field}.original_max_position_embeddings must be > 0");
                return llama3;
            default:
                throw new InvalidDataException($"{field} type '{type}' is not supported; supported: {Supported}.");
        }
    }

    private static double Factor(JsonElement scaling, string field)
    {
        double factor = OptionalDouble(scaling, field, "factor") ?? throw Missing(field, "factor");
        Check(factor >= 1, $"{field}.factor must be >= 1, got {factor}");
        return factor;
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static InvalidDataException Missing(string field, string name) => new($"{field} is missing '{name}'.");

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message + ".");
        }
    }
}
