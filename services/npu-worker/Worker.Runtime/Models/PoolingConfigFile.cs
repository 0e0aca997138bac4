using System.Text.Json;
using Inference.Abstractions.Execution;
using Worker.Runtime.Embeddings;

namespace Worker.Runtime.Models;

/// <summary>
/// How a model folder says it embeds a prompt: sentence-transformers' modules.json (Transformer, then one Pooling module
/// and its config.json, then any Dense modules, then optionally Normalize) and config.json's matryoshka fields. A folder
/// asking for anything the worker does not compute (several pooling modes at once, another module type, a module out of
/// that order) refuses the load: serving it would answer embeddings other than the model's. Without modules.json (a plain
/// causal LM) it embeds as vLLM's embed converter does: last token, normalized.
/// </summary>
internal static class PoolingConfigFile
{
    private const string TransformerModule = "sentence_transformers.models.Transformer";
    private const string PoolingModule = "sentence_transformers.models.Pooling";
    private const string DenseModule = "sentence_transformers.models.Dense";
    private const string NormalizeModule = "sentence_transformers.models.Normalize";
    private const string ModePrefix = "pooling_mode_";

    /// <summary>The Pooling module's flags, each naming one mode.</summary>
    private static readonly Dictionary<string, PoolingMode> Modes = new(StringComparer.Ordinal)
    {
        ["pooling_mode_lasttoken"] = PoolingMode.LastToken,
        ["pooling_mode_cls_token"] = PoolingMode.Cls,
        ["pooling_mode_mean_tokens"] = PoolingMode.Mean,
        ["pooling_mode_max_tokens"] = PoolingMode.Max,
        ["pooling_mode_mean_sqrt_len_tokens"] = PoolingMode.MeanSqrtLength,
        ["pooling_mode_weightedmean_tokens"] = PoolingMode.WeightedMean,
    };

    /// <param name="directory">The model folder; its config.json has already been read (it exists).</param>
    /// <exception cref="InvalidDataException">A file asks for an embedding the worker does not compute, or a field is invalid (the message names the file and the field).</exception>
    /// <param name="overrides">vLLM's hf_overrides over config.json; null: none.</param>
    public static EmbeddingHead Load(string directory, int hiddenSize, System.Text.Json.Nodes.JsonObject? overrides = null)
    {
        string modulesPath = Path.Combine(directory, "modules.json");
        var (mode, dense, normalize) = File.Exists(modulesPath)
            ? ReadModules(directory, modulesPath, hiddenSize)
            : (PoolingMode.LastToken, [], EmbeddingHead.Default(hiddenSize).Pooling.Normalize);
        int size = dense.Count == 0 ? hiddenSize : dense[^1].OutFeatures;
        using var config = ConfigJson.Open(directory, out string configPath, overrides);
        var dimensions = ReadMatryoshkaDimensions(config.RootElement, configPath, size);
        bool matryoshka = dimensions.Count > 0 || Flag(config.RootElement, configPath, "is_matryoshka");
        return new EmbeddingHead(new PoolingInfo(size, normalize, matryoshka, dimensions, mode), dense);
    }

    /// <summary>Reads the module list in order: the Pooling module's mode, the Dense layers after it, and whether Normalize ends it.</summary>
    private static (PoolingMode Mode, List<DenseLayer> Dense, bool Normalize) ReadModules(string directory, string modulesPath, int hiddenSize)
    {
        using var modules = ConfigJson.Parse(modulesPath);
        if (modules.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{modulesPath}: expected a JSON array of modules.");
        }

        PoolingMode? mode = null;
        var dense = new List<DenseLayer>();
        bool normalize = false;
        foreach (var module in modules.RootElement.EnumerateArray())
        {
            string? type = module.ValueKind == JsonValueKind.Object && module.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()
                : throw new InvalidDataException($"{modulesPath}: every module needs a string 'type', got {module.GetRawText()}.");
            if (normalize)
            {
                throw new InvalidDataException($"{modulesPath}: module {type} follows {NormalizeModule}; this worker normalizes last.");
            }

            switch (type)
            {
                case TransformerModule when mode is null:
                    break;
                case PoolingModule when mode is null:
                    mode = ReadPooling(Path.Combine(directory, ModulePath(module, modulesPath, type), "config.json"), hiddenSize);
                    break;
                case PoolingModule:
                    throw new InvalidDataException($"{modulesPath}: more than one {PoolingModule} module is not supported.");
                case DenseModule when mode is not null:
                    int inFeatures = dense.Count == 0 ? hiddenSize : dense[^1].OutFeatures;
                    dense.Add(DenseModuleFile.Load(Path.Combine(directory, ModulePath(module, modulesPath, type)), inFeatures));
                    break;
                case DenseModule:
                case NormalizeModule when mode is null:
                    throw new InvalidDataException($"{modulesPath}: module {type} comes before the {PoolingModule} module; this worker applies it to the pooled embedding only.");
                case NormalizeModule:
                    normalize = true;
                    break;
                case TransformerModule:
                    throw new InvalidDataException($"{modulesPath}: module {type} follows the {PoolingModule} module; it must come first.");
                default:
                    throw new InvalidDataException(
                        $"{modulesPath}: module type {type} is not supported; this worker computes Transformer, Pooling, Dense and Normalize.");
            }
        }

        if (mode is null)
        {
            throw new InvalidDataException($"{modulesPath}: no {PoolingModule} module is listed; this worker needs one to pool the hidden states.");
        }

        return (mode.Value, dense, normalize);
    }

    private static string ModulePath(JsonElement module, string modulesPath, string type) =>
        module.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String
            ? p.GetString()!
            : throw new InvalidDataException($"{modulesPath}: the {type} module needs a string 'path'.");

    /// <summary>Exactly one pooling_mode_* flag is true (sentence-transformers would concatenate several); include_prompt is not false.</summary>
    private static PoolingMode ReadPooling(string path, int hiddenSize)
    {
        using var document = ConfigJson.ParseModuleConfig(path, PoolingModule);
        var root = document.RootElement;

        var set = new List<string>();
        foreach (var field in root.EnumerateObject())
        {
            if (field.Name.StartsWith(ModePrefix, StringComparison.Ordinal) && Flag(root, path, field.Name))
            {
                set.Add(Modes.ContainsKey(field.Name)
                    ? field.Name
                    : throw new InvalidDataException($"{path}: {field.Name} is not supported; the modes are {string.Join(", ", Modes.Keys)}."));
            }
        }

        if (set.Count != 1)
        {
            throw new InvalidDataException(set.Count == 0
                ? $"{path}: no pooling_mode_* field is true; set one of {string.Join(", ", Modes.Keys)}."
                : $"{path}: {string.Join(" and ", set)} are all true; this worker computes one pooling mode, not their concatenation.");
        }

        if (root.TryGetProperty("include_prompt", out var includePrompt) && includePrompt.ValueKind == JsonValueKind.False)
        {
            throw new InvalidDataException($"{path}: include_prompt false is not supported; every prompt token is pooled.");
        }

        if (ConfigJson.OptionalInt(root, path, "word_embedding_dimension") is int width && width != hiddenSize)
        {
            throw new InvalidDataException($"{path}: word_embedding_dimension {width} differs from the model's hidden_size {hiddenSize}.");
        }

        return Modes[set[0]];
    }

    /// <summary>config.json's matryoshka_dimensions: each a length from 1 to the embedding's size; empty when absent.</summary>
    private static IReadOnlyList<int> ReadMatryoshkaDimensions(JsonElement root, string path, int embeddingSize)
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
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int d) || d < 1 || d > embeddingSize)
            {
                throw new InvalidDataException(
                    $"{path}: matryoshka_dimensions[{dimensions.Count}] = {item.GetRawText()} is not a length from 1 to the embedding size {embeddingSize}.");
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
