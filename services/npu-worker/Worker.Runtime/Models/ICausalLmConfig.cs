using Worker.Runtime.Checkpoints;
using Worker.Runtime.Lora;
using Worker.Runtime.Ops;

namespace Worker.Runtime.Models;

/// <summary>
/// An architecture's config.json, as the runner needs it before any weight is read: the KV cache shape, the
/// vocabulary, the context limit and the stop ids size the cache and the device ops; then the config loads
/// the weights into its architecture's model.
/// </summary>
public interface ICausalLmConfig
{
    /// <summary>The architecture name config.json gives, for example "Qwen2ForCausalLM".</summary>
    string Architecture { get; }

    int VocabSize { get; }
    int HiddenSize { get; }
    int NumHiddenLayers { get; }
    int NumAttentionHeads { get; }
    int NumKeyValueHeads { get; }
    int HeadDim { get; }
    int MaxPositionEmbeddings { get; }
    IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>The LM head is the input embedding (config.json's tie_word_embeddings): no lm_head.weight is stored.</summary>
    bool TieWordEmbeddings { get; }

    /// <summary>Reads and checks every weight of the checkpoint (safetensors or GGUF), and builds the model over the device ops.</summary>
    /// <param name="lmHead">Load the LM head; false for a model that only pools (a classifier), whose forward then
    /// computes no logits (an untied lm_head.weight is neither read nor needed).</param>
    /// <exception cref="InvalidDataException">A tensor is missing or has the wrong shape (the message names it).</exception>
    ICausalLm LoadModel(ITensorSource tensors, DeviceOps ops, IProgress<double>? progress, bool lmHead = true);

    /// <summary>Reads a PEFT LoRA adapter folder, checked against this model's modules and dims.</summary>
    /// <exception cref="FileNotFoundException">The folder, its config or its weights are missing.</exception>
    /// <exception cref="InvalidDataException">A config field or a tensor is not supported or does not fit (the message names it).</exception>
    LoraAdapter LoadLoraAdapter(string name, string folder);
}
