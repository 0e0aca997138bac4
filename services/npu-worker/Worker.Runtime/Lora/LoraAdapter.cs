using Inference.Abstractions.Execution;

namespace Worker.Runtime.Lora;

/// <summary>
/// A loaded LoRA adapter: per layer, the deltas of the projections it changes (null where its file has no tensors
/// for a module: that module runs as the base model's).
/// </summary>
public sealed class LoraAdapter
{
    private readonly LoraModuleWeights?[][] _modules;

    /// <param name="modules">[layer][(int)LoraTarget]: each module's delta, or null.</param>
    public LoraAdapter(string name, string path, LoraAdapterConfig config, LoraModuleWeights?[][] modules)
    {
        Name = name;
        Path = path;
        Config = config;
        _modules = modules;
        Targets = [.. LoraTargets.All.Where(t => modules.Any(layer => layer[(int)t] is not null))];
    }

    /// <summary>The model name requests use for it.</summary>
    public string Name { get; }

    /// <summary>The PEFT folder it was read from.</summary>
    public string Path { get; }

    public LoraAdapterConfig Config { get; }

    public int Rank => Config.Rank;

    /// <summary>The modules it changes in at least one layer.</summary>
    public IReadOnlyList<LoraTarget> Targets { get; }

    public LoraAdapterInfo Info => new(Name, Path, Rank);

    /// <summary>The delta of <paramref name="target"/> in <paramref name="layer"/>; null when the adapter leaves it as it is.</summary>
    public LoraModuleWeights? Module(int layer, LoraTarget target) => _modules[layer][(int)target];
}
