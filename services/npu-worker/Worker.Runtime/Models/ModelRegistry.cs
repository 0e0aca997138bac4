using System.Text.Json.Nodes;
using Worker.Runtime.Models.Classification;
using Worker.Runtime.Models.Decoder;
using Worker.Runtime.Models.Llama;
using Worker.Runtime.Models.Qwen2;
using Worker.Runtime.Models.Qwen2Moe;
using Worker.Runtime.Models.Qwen3;
using Worker.Runtime.Models.Qwen3Moe;

namespace Worker.Runtime.Models;

/// <summary>
/// The architectures this worker runs, chosen by config.json's `architectures` (as vLLM's ModelRegistry does).
/// Adding one is its folder under Models/ (its name and <see cref="DecoderConfigRules"/>) and one line in <see cref="ConfigReaders"/>; each causal LM also runs as a
/// sequence classifier (its name with ForSequenceClassification: the same decoder, a classification head instead of
/// the LM head).
/// </summary>
public static class ModelRegistry
{
    /// <summary>Architecture name → how the one decoder reads that architecture's config.json (<see cref="DecoderConfigReader"/>).</summary>
    private static readonly Dictionary<string, DecoderConfigRules> ConfigReaders = new(StringComparer.Ordinal)
    {
        [Qwen2Config.ArchitectureName] = Qwen2Config.Rules,
        [Qwen3Config.ArchitectureName] = Qwen3Config.Rules,
        [LlamaConfig.ArchitectureName] = LlamaConfig.Rules,
        [Qwen2MoeConfig.ArchitectureName] = Qwen2MoeConfig.Rules,
        [Qwen3MoeConfig.ArchitectureName] = Qwen3MoeConfig.Rules,
    };

    /// <summary>The architecture names this worker runs, sorted: each causal LM, and each as a sequence classifier.</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } =
    [
        .. ConfigReaders.Keys
            .Concat(ConfigReaders.Keys.Select(name => name.Replace("ForCausalLM", SequenceClassificationConfig.ArchitectureSuffix, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Reads the architecture from config.json, then that architecture's config (a classifier's: its decoder's).</summary>
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">
    /// `architectures` is missing or names one this worker does not run (the message names it and lists those it
    /// does), or the architecture's config is invalid (the message names the field).
    /// </exception>
    public static ICausalLmConfig LoadConfig(string modelDirectory, JsonObject? overrides = null) => Load(modelDirectory, overrides).Config;

    /// <summary>
    /// The model folder's config: its decoder's, its architecture's name (as config.json gives it, after
    /// <paramref name="overrides"/>), and for a sequence classifier its classification config.
    /// </summary>
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">As <see cref="LoadConfig"/>; or a classifier's field is invalid.</exception>
    internal static (ICausalLmConfig Config, string Architecture, SequenceClassificationConfig? Classifier) Load(string modelDirectory, JsonObject? overrides)
    {
        string? architecture;
        string path;
        SequenceClassificationConfig? classifier = null;
        using (var document = ConfigJson.Open(modelDirectory, out path, overrides))
        {
            architecture = ConfigJson.Architecture(document.RootElement);
            if (architecture is not null && SequenceClassificationConfig.DecoderArchitecture(architecture) is { } decoder && ConfigReaders.ContainsKey(decoder))
            {
                classifier = SequenceClassificationConfig.Read(document.RootElement, path);
            }
        }

        string supported = string.Join(", ", SupportedArchitectures);
        if (architecture is null)
        {
            throw new InvalidDataException($"{path}: missing 'architectures'; this worker runs {supported}.");
        }

        string decoderArchitecture = classifier is null ? architecture : SequenceClassificationConfig.DecoderArchitecture(architecture)!;
        if (!ConfigReaders.TryGetValue(decoderArchitecture, out var rules))
        {
            throw new InvalidDataException($"{path}: architecture '{architecture}' is not supported; this worker runs {supported}.");
        }

        return (DecoderConfigReader.Read(modelDirectory, decoderArchitecture, rules, overrides), architecture, classifier);
    }
}
