namespace Scheduler.Core;

/// <summary>A LoRA adapter cannot be loaded under a name that is taken: the served model's, or an adapter's that is
/// loaded, being loaded, or being unloaded. Nothing changed.</summary>
public sealed class LoraAdapterConflictException(string message) : Exception(message);
