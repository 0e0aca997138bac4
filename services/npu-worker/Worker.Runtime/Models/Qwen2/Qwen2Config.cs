using System.Text.Json;

namespace Worker.Runtime.Models.Qwen2;

/// <summary>The Qwen2 fields of a Hugging Face config.json (plus eos ids from generation_config.json).</summary>
public sealed record Qwen2Config(
    string Architecture,
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int MaxPositionEmbeddings,
    double RmsNormEps,
    double RopeTheta,
    bool TieWordEmbeddings,
    IReadOnlyList<int> EosTokenIds)
{
    public const string SupportedArchitecture = "Qwen2ForCausalLM";

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Reads config.json and generation_config.json from a model folder.</summary>
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">A field is missing or invalid, or the architecture is not Qwen2.</exception>
    public static Qwen2Config Load(string directory)
    {
        string path = Path.Combine(directory, "config.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"config.json not found in model folder {directory}.", path);
        }

        using var document = ParseJson(path);
        var root = document.RootElement;
        string architecture = root.TryGetProperty("architectures", out var archs) && archs.ValueKind == JsonValueKind.Array && archs.GetArrayLength() > 0
            ? archs[0].GetString() ?? ""
            : throw new InvalidDataException($"{path}: missing 'architectures'; expected [\"{SupportedArchitecture}\"].");
        if (architecture != SupportedArchitecture)
        {
            throw new InvalidDataException(
                $"{path}: architecture '{architecture}' is not supported; this worker runs {SupportedArchitecture}.");
        }

        if (root.TryGetProperty("hidden_act", out var act) && act.GetString() != "silu")
        {
            throw new InvalidDataException($"{path}: hidden_act '{act.GetString()}' is not supported; expected 'silu'.");
        }

        if (root.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind != JsonValueKind.Null)
        {
            throw new InvalidDataException($"{path}: rope_scaling is not supported; expected null or absent.");
        }

        int heads = RequiredInt(root, path, "num_attention_heads");
        var config = new Qwen2Config(
            architecture,
            RequiredInt(root, path, "vocab_size"),
            RequiredInt(root, path, "hidden_size"),
            RequiredInt(root, path, "intermediate_size"),
            RequiredInt(root, path, "num_hidden_layers"),
            heads,
            OptionalInt(root, path, "num_key_value_heads") ?? heads,
            OptionalInt(root, path, "max_position_embeddings") ?? 32768,
            OptionalDouble(root, path, "rms_norm_eps") ?? 1e-6,
            OptionalDouble(root, path, "rope_theta") ?? 10000.0,
            root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.True,
            LoadEosTokenIds(directory, root));
        config.Validate(path);
        return config;
    }

    private void Validate(string path)
    {
        Check(VocabSize > 0, $"vocab_size must be > 0, got {VocabSize}");
        Check(HiddenSize > 0, $"hidden_size must be > 0, got {HiddenSize}");
        Check(IntermediateSize > 0, $"intermediate_size must be > 0, got {IntermediateSize}");
        Check(NumHiddenLayers > 0, $"num_hidden_layers must be > 0, got {NumHiddenLayers}");
        Check(NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0 && HeadDim % 2 == 0,
            $"num_attention_heads must divide hidden_size {HiddenSize} into an even head_dim, got {NumAttentionHeads}");
        Check(NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0,
            $"num_key_value_heads must divide num_attention_heads {NumAttentionHeads}, got {NumKeyValueHeads}");
        Check(MaxPositionEmbeddings > 0, $"max_position_embeddings must be > 0, got {MaxPositionEmbeddings}");
        Check(RmsNormEps > 0, $"rms_norm_eps must be > 0, got {RmsNormEps}");
        Check(RopeTheta > 0, $"rope_theta must be > 0, got {RopeTheta}");

        void Check(bool condition, string message)
        {
            if (!condition)
            {
                throw new InvalidDataException($"{path}: {message}.");
            }
        }
    }

    /// <summary>generation_config.json's eos_token_id (int or list), else config.json's.</summary>
    private static IReadOnlyList<int> LoadEosTokenIds(string directory, JsonElement config)
    {
        string path = Path.Combine(directory, "generation_config.json");
        if (File.Exists(path))
        {
            using var generation = ParseJson(path);
            if (generation.RootElement.TryGetProperty("eos_token_id", out var fromGeneration))
            {
                return ReadIds(fromGeneration, path);
            }
        }

        return config.TryGetProperty("eos_token_id", out var fromConfig)
            ? ReadIds(fromConfig, Path.Combine(directory, "config.json"))
            : [];
    }

    private static IReadOnlyList<int> ReadIds(JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.Number => [value.GetInt32()],
        JsonValueKind.Array => value.EnumerateArray().Select(v => v.GetInt32()).ToArray(),
        JsonValueKind.Null => [],
        _ => throw new InvalidDataException($"{path}: eos_token_id must be an integer or a list of integers."),
    };

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    private static int RequiredInt(JsonElement root, string path, string name) =>
        OptionalInt(root, path, name) ?? throw new InvalidDataException($"{path}: missing required field '{name}'.");

    private static int? OptionalInt(JsonElement root, string path, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)
            ? result
            : throw new InvalidDataException($"{path}: '{name}' must be an integer, got {value.GetRawText()}.");
    }

    private static double? OptionalDouble(JsonElement root, string path, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new InvalidDataException($"{path}: '{name}' must be a number, got {value.GetRawText()}.");
    }
}
