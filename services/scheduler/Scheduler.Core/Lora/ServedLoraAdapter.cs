using Inference.Abstractions.Execution;

namespace Scheduler.Core.Lora;

/// <summary>A LoRA adapter the engine serves: loaded at start (every worker's --lora-modules) or at run time
/// (<see cref="InferenceEngine.LoadLoraAdapterAsync"/>).</summary>
internal sealed class ServedLoraAdapter(LoraAdapterInfo info, long loadId)
{
    public LoraAdapterInfo Info { get; } = info;

    public string Name => Info.Name;

    /// <summary>0 for an adapter loaded at start; each run-time load gets a number of its own, which the prefix cache
    /// hashes beside the name, so KV computed under an unloaded adapter never serves another one loaded under its name
    /// later (vLLM's lora_int_id).</summary>
    public long LoadId { get; } = loadId;

    public bool LoadedAtStart => LoadId == 0;

    /// <summary>Admitted requests using it; guarded by the registry's lock.</summary>
    internal int Uses { get; set; }

    /// <summary>Unloaded: new requests are refused, and the workers drop it once <see cref="Uses"/> is 0; guarded by the
    /// registry's lock.</summary>
    internal bool Retiring { get; set; }
}
