using Inference.Abstractions.Execution;

namespace Gateway.Backends;

/// <summary>What a request's <c>model</c> named: the served model, or one of its LoRA adapters, which runs on it.</summary>
/// <param name="Info">The served (base) model.</param>
/// <param name="Name">The name the answer carries: the adapter's when the request named one (as vLLM answers), else
/// the served model's.</param>
/// <param name="Adapter">The adapter to run the request with; null: the base model alone.</param>
public sealed record ResolvedModel(ModelInfo Info, string Name, LoraAdapterInfo? Adapter)
{
    /// <summary>The adapter's name, as the scheduler takes it (lora_name); null for the base model.</summary>
    public string? LoraName => Adapter?.Name;
}
