using System.Text.Json;
using System.Text.Json.Nodes;

namespace Worker.Runtime.Models;

/// <summary>
/// Reading a Hugging Face config.json (and generation_config.json) for any architecture: the file, its
/// `architectures`, typed fields and the eos ids, with errors that name the file and the field.
/// </summary>
internal static class ConfigJson
{
    /// <summary>Parses config.json of a model folder, with <paramref name="overrides"/>' fields in place of its own.</summary>
    /// <param name="overrides">vLLM's hf_overrides: top-level fields that replace (or add to) the file's; null: the file as it is.</param>
    /// <param name="path">The file, and " with --hf-overrides" when they apply, for messages.</param>
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">It is not valid JSON, or not an object.</exception>
    public static JsonDocument Open(string directory, out string path, JsonObject? overrides = null)
    {
        path = Path.Combine(directory, "config.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"config.json not found in model folder {directory}.", path);
        }

        var document = Parse(path);
        if (overrides is null || overrides.Count == 0)
        {
            return document;
        }

        using (document)
        {
            if (JsonNode.Parse(document.RootElement.GetRawText()) is not JsonObject config)
            {
                throw new InvalidDataException($"{path}: expected a JSON object.");
            }

            foreach (var (name, value) in overrides)
            {
                config[name] = value?.DeepClone();
            }

            path += " with --hf-overrides";
            return JsonDocument.Parse(config.ToJsonString());
        }
    }

    /// <summary>architectures[0] (a config names the one class its weights were saved from), or null when absent.</summary>
    public static string? Architecture(JsonElement root) =>
        root.TryGetProperty("architectures", out var archs) && archs.ValueKind == JsonValueKind.Array
        && archs.GetArrayLength() > 0 && archs[0].ValueKind == JsonValueKind.String
            ? archs[0].GetString()
            : null;

    public static int RequiredInt(JsonElement root, string path, string name) =>
        OptionalInt(root, path, name) ?? throw new InvalidDataException($"{path}: missing required field '{name}'.");

    public static int? OptionalInt(JsonElement root, string path, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)
            ? result
            : throw new InvalidDataException($"{path}: '{name}' must be an integer, got {value.GetRawText()}.");
    }

    public static double? OptionalDouble(JsonElement root, string path, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new InvalidDataException($"{path}: '{name}' must be a number, got {value.GetRawText()}.");
    }

    /// <summary>generation_config.json's eos_token_id (int or list), else config.json's.</summary>
    public static IReadOnlyList<int> LoadEosTokenIds(string directory, JsonElement config)
    {
        string path = Path.Combine(directory, "generation_config.json");
        if (File.Exists(path))
        {
            using var generation = Parse(path);
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

    /// <summary>The config.json of a sentence-transformers module that modules.json lists at <paramref name="path"/>'s folder.</summary>
    /// <param name="module">The module's type, for the message when the file is missing.</param>
    /// <exception cref="InvalidDataException">The file is missing, not JSON, or not a JSON object (the message names it).</exception>
    public static JsonDocument ParseModuleConfig(string path, string module)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: not found; modules.json lists the {module} module there.");
        }

        var document = Parse(path);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new InvalidDataException($"{path}: expected a JSON object.");
        }

        return document;
    }

    public static JsonDocument Parse(string path)
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
}
