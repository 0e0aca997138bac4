namespace Inference.Abstractions.Execution;

/// <summary>What an executor holds: the model's limits and its KV memory layout.</summary>
/// <param name="ModelName">Served model name (the model folder's name by default).</param>
/// <param name="Architecture">config.json architectures[0].</param>
/// <param name="VocabSize">Logits per position.</param>
/// <param name="MaxModelLength">Longest sequence accepted, in tokens.</param>
/// <param name="BlockSize">Tokens per KV block.</param>
/// <param name="NumBlocks">Valid block ids are 0 .. NumBlocks-1.</param>
/// <param name="EosTokenIds">From generation_config.json (else config.json).</param>
/// <param name="Device">For example "cpu:0".</param>
/// <param name="Defaults">The model's sampling defaults (generation_config.json); null when it has none.</param>
/// <param name="Pooling">How the model embeds a prompt; null when the executor embeds nothing.</param>
/// <param name="LoraAdapters">The LoRA adapters loaded beside the model; null or empty: none.</param>
/// <param name="Classifier">Set for a sequence-classification model: its pooled output is one logit per class, and it
/// generates no text (it has no LM head).</param>
/// <param name="HiddenSize">The model's hidden size: the width of an input embedding row (prompt embeddings); 0 when the
/// executor does not say.</param>
public sealed record ExecutorInfo(
    string ModelName,
    string Architecture,
    int VocabSize,
    int MaxModelLength,
    int BlockSize,
    int NumBlocks,
    IReadOnlyList<int> EosTokenIds,
    string Device,
    SamplingDefaults? Defaults = null,
    PoolingInfo? Pooling = null,
    IReadOnlyList<LoraAdapterInfo>? LoraAdapters = null,
    ClassifierInfo? Classifier = null,
    int HiddenSize = 0);
