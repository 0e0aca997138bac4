namespace Worker.Runtime.Lora;

/// <summary>An adapter to load beside the base model (one vLLM --lora-modules entry, name=path).</summary>
/// <param name="Name">The model name requests use for it.</param>
/// <param name="Path">The PEFT folder: adapter_config.json and adapter_model.safetensors.</param>
public sealed record LoraModule(string Name, string Path);
