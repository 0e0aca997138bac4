namespace Worker.Runtime.Models.Qwen2;

/// <summary>Sizes the forward pass needs, derived once from config.json.</summary>
internal readonly record struct Qwen2Dimensions(
    int Vocab, int Hidden, int Intermediate, int Layers, int Heads, int KvHeads, int HeadDim, float RmsNormEps, double RopeTheta)
{
    public int QueryWidth => Heads * HeadDim;
    public int KvWidth => KvHeads * HeadDim;

    public static Qwen2Dimensions From(Qwen2Config c) => new(
        c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads,
        c.NumKeyValueHeads, c.HeadDim, (float)c.RmsNormEps, c.RopeTheta);
}
