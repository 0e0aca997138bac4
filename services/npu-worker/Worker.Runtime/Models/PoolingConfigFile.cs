using System.Text.Json;
using Inference.Abstractions.Execution;

namespace Worker.Runtime.Models;

/// <summary>
/// How a model folder says it embeds a prompt: sentence-transformers' modules.json (its Pooling module's config.json,
/// and whether a Normalize module follows) and config.json's matryoshka fields. The worker computes last-token pooling
/// only, so a folder asking for anything else (another pooling mode, a Dense layer after the pooling) refuses the load:
/// serving it would answer embeddings other than the model's. Without modules.json (a plain causal LM) it embeds as
/// vLLM's embed converter does: last token, normalized.
/// </summary>
internal static class PoolingConfigFile
{
    private const string TransformerModule = "sentence_transformers.models.Transformer";
    private const string PoolingModule = "sentence_transformers.models.Pooling";
    private const string NormalizeModule = "sentence_transformers.models.Normalize";
    private const string LastTokenMode = "pooling_mode_lasttoken";

    /// <summary>What a model without a sentence-transformers config (a plain causal LM, a GGUF file) embeds.</summary>
    public static PoolingInfo Default(int hiddenSize) => new(hiddenSize, Normalize: true, Matryoshka: false, MatryoshkaDimensions: []);

    /// <param name="directory">The model folder; its config.json has already been read (it exists).</param>
    /// <exception cref="InvalidDataException">A file asks for an embedding the worker does not compute, or a field is invalid (the message names the file and the field).</exception>
    public static PoolingInfo Load(string directory, int hiddenSize)
    {
        string modulesPath = Path.Combine(directory, "modules.json");
        bool normalize = File.Exists(modulesPath) ? ReadModules(directory, modulesPath, hiddenSize) : Default(hiddenSize).Normalize;
        using var config = ConfigJson.Open(directory, out string configPath);
        var dimensions = ReadMatryoshkaDimensions(config.RootElement, configPath, hiddenSize);
        bool matryoshka = dimensions.Count > 0 || Flag(config.RootElement, configPath, "is_matryoshka");
        return new PoolingInfo(hiddenSize, normalize, matryoshka, dimensions);
    }

    /// <summary>Checks the module list and its Pooling module; returns whether a Normalize module is listed.</summary>
    private static bool ReadModules(string directory, string modulesPath, int hiddenSize)
    {
        using var modules = ConfigJson.Parse(modulesPath);
        if (modules.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{modulesPath}: expected a JSON array of modules.");
        }

        string? poolingPath = null;
        bool normalize = false;
        foreach (var module in modules.RootElement.EnumerateArray())
        {
            string? type = module.ValueKind == JsonValueKind.Object && module.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()
                : throw new InvalidDataException($"{modulesPath}: every module needs a string 'type', got {module.GetRawText()}.");
            switch (type)
            {
                case TransformerModule:
                    break;
                case PoolingModule when poolingPath is null:
                    poolingPath = module.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String
                        ? p.GetString()!
                        : throw new InvalidDataException($"{modulesPath}: the {PoolingModule} module needs a string 'path'.");
                    break;
                case PoolingModule:
                    throw new InvalidDataException($"{modulesPath}: more than one {PoolingModule} module is not supported.");
                case NormalizeModule:
                    normalize = true;
                    break;
                default:
                    throw new InvalidDataException(
                        $"{modulesPath}: module type {type} is not supported; this worker computes Transformer, last-token Pooling and Normalize only.");
            }
        }

        if (poolingPath is null)
        {
            throw new InvalidDataException($"{modulesPath}: no {PoolingModule} module is listed; this worker needs last-token pooling.");
        }

        CheckLastTokenPooling(Path.Combine(directory, poolingPath, "config.json"), hiddenSize);
        return normalize;
    }

    /// <summary>pooling_mode_lasttoken must be true and every other pooling_mode_* false or absent.</summary>
    private static void CheckLastTokenPooling(string path, int hiddenSize)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: not found; modules.json lists the {PoolingModule} module there.");
        }

        using var document = ConfigJson.Parse(path);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{path}: expected a JSON object.");
        }

        foreach (var field in root.EnumerateObject())
        {
            if (field.Name.StartsWith("pooling_mode_", StringComparison.Ordinal) && field.Name != LastTokenMode && Flag(root, path, field.Name))
            {
                throw new InvalidDataException($"{path}: {field.Name} is not supported; only last-token pooling ({LastTokenMode}).");
            }
        }

        if (!Flag(root, path, LastTokenMode))
        {
            throw new InvalidDataException($"{path}: {LastTokenMode} must be true; only last-token pooling is supported.");
        }

        if (ConfigJson.OptionalInt(root, path, "word_embedding_dimension") is int width && width != hiddenSize)
        {
            throw new InvalidDataException($"{path}: word_embedding_dimension {width} differs from the model's hidden_size {hiddenSize}.");
        }
    }

    /// <summary>config.json's matryoshka_dimensions: each a length from 1 to hidden_size; empty when absent.</summary>
    private static IReadOnlyList<int> ReadMatryoshkaDimensions(JsonElement root, string path, int hiddenSize)
    {
        if (!root.TryGetProperty("matryoshka_dimensions", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{path}: matryoshka_dimensions must be a list of integers, got {value.GetRawText()}.");
        }

        var dimensions = new List<int>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int d) || d < 1 || d > hiddenSize)
            {
                throw new InvalidDataException(
                    $"{path}: matryoshka_dimensions[{dimensions.Count}] = {item.GetRawText()} is not a length from 1 to hidden_size {hiddenSize}.");
            }

            dimensions.Add(d);
        }

        return dimensions;
    }

    /// <summary>A boolean field: true, false, or absent (false).</summary>
    private static bool Flag(JsonElement root, string path, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new InvalidDataException($"{path}: '{name}' must be true or false, got {value.GetRawText()}."),
        };
}
