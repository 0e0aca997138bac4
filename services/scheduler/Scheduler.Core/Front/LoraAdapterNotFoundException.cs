namespace Scheduler.Core;

/// <summary>No LoRA adapter of that name is served (unload); nothing changed.</summary>
public sealed class LoraAdapterNotFoundException(string name)
    : Exception($"The lora adapter '{name}' cannot be found.")
{
    public string Name { get; } = name;
}
