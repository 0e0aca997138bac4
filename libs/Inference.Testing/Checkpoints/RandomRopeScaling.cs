using System.Globalization;
using System.Text.Json.Nodes;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// `--rope-scaling yarn:FACTOR` or `llama3:FACTOR` for a random checkpoint, written as the real families write it:
/// YaRN as the Qwen2.5 model card adds it (original_max_position_embeddings = the config's
/// max_position_embeddings, which stays), llama3 as Llama 3.1 ships it (low_freq_factor 1, high_freq_factor 4,
/// original = the pretrained context, max_position_embeddings = original × factor).
/// </summary>
public sealed record RandomRopeScaling(string Type, double Factor)
{
    public const string Yarn = "yarn";
    public const string Llama3 = "llama3";

    /// <exception cref="ArgumentException">Not TYPE:FACTOR with a known type and a factor &gt;= 1.</exception>
    public static RandomRopeScaling Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2 || parts[0] is not (Yarn or Llama3)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double factor)
            || !double.IsFinite(factor) || factor < 1)
        {
            throw new ArgumentException($"rope scaling '{text}' must be yarn:FACTOR or llama3:FACTOR with FACTOR >= 1.", nameof(text));
        }

        return new RandomRopeScaling(parts[0], factor);
    }

    /// <summary>config.json's max_position_embeddings for a pretrained context.</summary>
    public int MaxPositionEmbeddings(int pretrained) => Type == Llama3 ? checked((int)(pretrained * Factor)) : pretrained;

    /// <summary>config.json's rope_scaling object.</summary>
    public JsonObject ToJson(int pretrained) => Type == Llama3
        ? new JsonObject
        {
            ["factor"] = Factor,
            ["high_freq_factor"] = 4.0,
            ["low_freq_factor"] = 1.0,
            ["original_max_position_embeddings"] = pretrained,
            ["rope_type"] = Llama3,
        }
        : new JsonObject
        {
            ["factor"] = Factor,
            ["original_max_position_embeddings"] = pretrained,
            ["type"] = Yarn,
        };

    public override string ToString() => $"{Type}:{Factor.ToString(CultureInfo.InvariantCulture)}";
}
