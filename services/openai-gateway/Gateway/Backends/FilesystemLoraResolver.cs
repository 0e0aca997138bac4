using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Backends;

/// <summary>
/// What vLLM's <c>lora_filesystem_resolver</c> finds for a model name under its folder
/// (<see cref="Configuration.GatewayOptions.LoraResolverCacheDir"/>). <see cref="Path"/> set: an adapter to load;
/// <see cref="WhyNot"/> set: a folder of that name exists but holds no adapter of the served model (the 404 says why);
/// both null: nothing of that name.
/// </summary>
public readonly record struct LoraResolution(string? Path, string? WhyNot);

/// <summary>
/// vLLM's <c>lora_filesystem_resolver</c>: the model name <c>X</c> resolves to the folder <c>DIR/X</c> when its
/// <c>adapter_config.json</c> says <c>"peft_type": "LORA"</c> and names the served model, exactly, as
/// <c>base_model_name_or_path</c>. Unlike vLLM's, a name that would leave the folder (<c>..</c>, a rooted path) resolves
/// to nothing: the name comes from a client.
/// </summary>
public static class FilesystemLoraResolver
{
    public const string AdapterConfigFile = "adapter_config.json";

    public static LoraResolution Resolve(string folder, string name, string servedModelName)
    {
        if (!StaysInside(name))
        {
            return default;
        }

        var path = System.IO.Path.Combine(folder, name);
        if (!Directory.Exists(path))
        {
            return default;
        }

        var configPath = System.IO.Path.Combine(path, AdapterConfigFile);
        if (!File.Exists(configPath))
        {
            return new(null, $"the LoRA resolver's folder {path} has no {AdapterConfigFile}");
        }

        JsonNode? config;
        try
        {
            config = JsonNode.Parse(File.ReadAllText(configPath));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return new(null, $"{configPath} cannot be read: {e.Message}");
        }

        var peftType = Text(config, "peft_type");
        if (peftType != "LORA")
        {
            return new(null, $"{configPath} has peft_type {Quoted(peftType)}, not \"LORA\"");
        }

        var baseModel = Text(config, "base_model_name_or_path");
        return baseModel == servedModelName
            ? new(path, null)
            : new(null, $"{configPath} is an adapter of {Quoted(baseModel)} (base_model_name_or_path), not of the served model \"{servedModelName}\"");
    }

    /// <summary>Whether <paramref name="name"/> is one or more plain folder names: not rooted, no empty, . or .. part.</summary>
    private static bool StaysInside(string name) =>
        name.Length > 0
        && !System.IO.Path.IsPathRooted(name)
        && name.Split('/', '\\').All(part => part is not ("" or "." or "..") && part.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) < 0);

    private static string? Text(JsonNode? config, string key) =>
        config is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    private static string Quoted(string? text) => text is null ? "(none)" : $"\"{text}\"";
}
