using Worker.Runtime.Models.Llama;
using Worker.Runtime.Models.Qwen2;
using Worker.Runtime.Models.Qwen3;

namespace Worker.Runtime.Models;

/// <summary>
/// The architectures this worker runs, chosen by config.json's `architectures` (as vLLM's ModelRegistry does).
/// Adding one is its folder under Models/ and one line in <see cref="ConfigReaders"/>.
/// </summary>
public static class ModelRegistry
{
    /// <summary>Architecture name → the reader of that architecture's config.json.</summary>
    private static readonly Dictionary<string, Func<string, ICausalLmConfig>> ConfigReaders = new(StringComparer.Ordinal)
    {
        [Qwen2Config.ArchitectureName] = Qwen2Config.Load,
        [Qwen3Config.ArchitectureName] = Qwen3Config.Load,
        [LlamaConfig.ArchitectureName] = LlamaConfig.Load,
    };

    /// <summary>The architecture names this worker runs, sorted.</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } = [.. ConfigReaders.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Reads the architecture from config.json, then that architecture's config.</summary>
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">
    /// `architectures` is missing or names one this worker does not run (the message names it and lists those it
    /// does), or the architecture's config is invalid (the message names the field).
    /// </exception>
    public static ICausalLmConfig LoadConfig(string modelDirectory)
    {
        string? architecture;
        string path;
        using (var document = ConfigJson.Open(modelDirectory, out path))
        {
            architecture = ConfigJson.Architecture(document.RootElement);
        }

        string supported = string.Join(", ", SupportedArchitectures);
        if (architecture is null)
        {
            throw new InvalidDataException($"{path}: missing 'architectures'; this worker runs {supported}.");
        }

        if (!ConfigReaders.TryGetValue(architecture, out var read))
        {
            throw new InvalidDataException($"{path}: architecture '{architecture}' is not supported; this worker runs {supported}.");
        }

        return read(modelDirectory);
    }
}
