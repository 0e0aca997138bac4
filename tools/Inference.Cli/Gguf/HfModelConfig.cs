using System.Text.Json;

namespace Inference.Cli.Gguf;

/// <summary>
/// The fields of a Hugging Face config.json that a GGUF file needs (convert_hf_to_gguf.py's hparams), read without
/// the worker's model classes so that the converter knows architectures before the worker runs them.
/// </summary>
public sealed record HfModelConfig(
    string Architecture,
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int? HeadDim,
    int MaxPositionEmbeddings,
    double RmsNormEps,
    double RopeTheta,
    HfRopeScaling? RopeScaling,
    int? BosTokenId,
    int? EosTokenId,
    HfExperts? Experts = null)
{
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type (the message names it).</exception>
    public static HfModelConfig Load(string directory)
    {
        string path = Path.Combine(directory, "config.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"config.json not found in model folder {directory}.", path);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            int heads = RequiredInt(root, "num_attention_heads");
            return new HfModelConfig(
                root.GetProperty("architectures")[0].GetString() ?? throw new InvalidDataException("architectures[0] is null"),
                RequiredInt(root, "vocab_size"),
                RequiredInt(root, "hidden_size"),
                RequiredInt(root, "intermediate_size"),
                RequiredInt(root, "num_hidden_layers"),
                heads,
                OptionalInt(root, "num_key_value_heads") ?? heads,
                OptionalInt(root, "head_dim"),
                OptionalInt(root, "max_position_embeddings") ?? 32768,
                OptionalDouble(root, "rms_norm_eps") ?? 1e-6,
                OptionalDouble(root, "rope_theta") ?? 10000.0,
                HfRopeScaling.Read(root),
                OptionalInt(root, "bos_token_id"),
                FirstInt(root, "eos_token_id"),
                HfExperts.Read(root));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static int RequiredInt(JsonElement root, string name) =>
        OptionalInt(root, name) ?? throw new InvalidDataException($"missing required field '{name}'");

    internal static int? OptionalInt(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetInt32() : null;

    internal static double? OptionalDouble(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetDouble() : null;

    /// <summary>An id, or the first of a list of ids (config.json's eos_token_id may be either).</summary>
    private static int? FirstInt(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) ? null : value.ValueKind switch
        {
            JsonValueKind.Number => value.GetInt32(),
            JsonValueKind.Array when value.GetArrayLength() > 0 => value[0].GetInt32(),
            _ => null,
        };
}
