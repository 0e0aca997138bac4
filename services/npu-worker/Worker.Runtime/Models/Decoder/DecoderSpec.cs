namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// What the one decoder forward needs to know about a Qwen2, Qwen3 or Llama checkpoint: its sizes and the few
/// switches in which these architectures differ (q/k/v bias, per-head q/k RMSNorm, head_dim, RoPE frequencies,
/// a mixture of experts in place of the dense MLP).
/// </summary>
/// <param name="HeadDim">d; Qwen3 and Llama may set it apart from Hidden / Heads.</param>
/// <param name="QkvBias">q_proj, k_proj and v_proj carry a bias (Qwen2; Qwen3 and Llama with attention_bias).</param>
/// <param name="QkNorm">q and k are RMSNorm-ed per head before RoPE (Qwen3's q_norm and k_norm).</param>
/// <param name="TieWordEmbeddings">The LM head is the embedding matrix; no lm_head.weight.</param>
/// <param name="Moe">The sparse expert MLP of Qwen3-MoE and Qwen2-MoE, in the layers it says; null: every layer's MLP is dense.</param>
public sealed record DecoderSpec(
    int Vocab,
    int Hidden,
    int Intermediate,
    int Layers,
    int Heads,
    int KvHeads,
    int HeadDim,
    float RmsNormEps,
    bool QkvBias,
    bool QkNorm,
    bool TieWordEmbeddings,
    RotaryEmbedding Rope,
    MixtureOfExperts? Moe = null)
{
    /// <summary>Whether layer <paramref name="layer"/> runs the experts (else the dense MLP of <see cref="Intermediate"/>).</summary>
    public bool IsSparse(int layer) => Moe?.IsSparse(layer) == true;

    public int QueryWidth => Heads * HeadDim;
    public int KvWidth => KvHeads * HeadDim;
}
