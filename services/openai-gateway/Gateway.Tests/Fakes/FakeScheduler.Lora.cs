namespace Gateway.Tests.Fakes;

/// <summary>The fake scheduler's check of a request's adapter.</summary>
public sealed partial class FakeScheduler
{
    /// <summary>As the real scheduler: a lora_name it does not serve (never loaded, or unloaded since) is INVALID_ARGUMENT naming lora_name.</summary>
    private void RefuseUnknownAdapter(string loraName)
    {
        if (loraName.Length > 0 && !LoraAdapters.Any(adapter => adapter.Name == loraName))
        {
            throw Refusal("lora_name", $"lora_name \"{loraName}\" is not a LoRA adapter of this model.");
        }
    }
}
