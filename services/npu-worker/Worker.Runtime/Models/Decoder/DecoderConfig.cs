using Worker.Runtime.Checkpoints;
using Worker.Runtime.Lora;
using Worker.Runtime.Ops;

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// A Qwen2, Qwen3 or Llama config.json read into the one decoder's terms (see each architecture's folder for
/// how its fields map), plus eos ids from generation_config.json.
/// </summary>
/// <param name="MaxPositionEmbeddings">The context the model serves: config.json's max_position_embeddings, or
/// YaRN's original × factor.</param>
public sealed record DecoderConfig(string Architecture, DecoderSpec Spec, int MaxPositionEmbeddings, IReadOnlyList<int> EosTokenIds)
    : ICausalLmConfig
{
    public int VocabSize => Spec.Vocab;
    public int HiddenSize => Spec.Hidden;
    public int NumHiddenLayers => Spec.Layers;
    public int NumAttentionHeads => Spec.Heads;
    public int NumKeyValueHeads => Spec.KvHeads;
    public int HeadDim => Spec.HeadDim;
    public bool TieWordEmbeddings => Spec.TieWordEmbeddings;

    public ICausalLm LoadModel(ITensorSource tensors, DeviceOps ops, IProgress<double>? progress, bool lmHead = true) =>
        new DecoderModel(Spec, DecoderWeights.Load(tensors, Spec, progress, ops.Weights, lmHead), ops);

    public LoraAdapter LoadLoraAdapter(string name, string folder) => LoraAdapterReader.Read(name, folder, Spec);
}
