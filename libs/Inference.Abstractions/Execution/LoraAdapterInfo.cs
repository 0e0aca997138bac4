namespace Inference.Abstractions.Execution;

/// <summary>A LoRA adapter an executor loaded beside its base model, served under a model name of its own.</summary>
/// <param name="Name">The model name clients use for it (vLLM's --lora-modules name).</param>
/// <param name="Path">The PEFT folder it was loaded from, as the executor sees it.</param>
/// <param name="Rank">adapter_config.json's r.</param>
public sealed record LoraAdapterInfo(string Name, string Path, int Rank);
