using Inference.Abstractions.Execution;

namespace Gateway.Backends;

/// <summary>The served model and how many workers serve it now.</summary>
public sealed record ModelInfo(string Name, int MaxModelLen, int VocabSize, int NumWorkers)
{
    /// <summary>The LoRA adapters served beside the model, each under a model name of its own (vLLM's --lora-modules);
    /// empty (default): none.</summary>
    public IReadOnlyList<LoraAdapterInfo> LoraAdapters { get; init; } = [];

    /// <summary>Set when the served model is a sequence classifier (classify, and score and rerank as a cross-encoder); null (default): it is not.</summary>
    public ClassifierInfo? Classifier { get; init; }
}
