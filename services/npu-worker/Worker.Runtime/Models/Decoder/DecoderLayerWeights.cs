using Worker.Runtime.Ops;

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// One decoder layer (d = head_dim, nh heads, nkv KV heads, H hidden, I intermediate); optional tensors are null when
/// the architecture has none. Projections that read the same input are held as one matrix, their rows one after the
/// other (q, k, v; gate, up), so each is one matmul: one parallel pass, the activations read and quantized once.
/// </summary>
public sealed record DecoderLayerWeights(
    float[] InputLayerNorm,           // input_layernorm.weight [H]
    WeightMatrix QkvProj,             // self_attn.{q,k,v}_proj.weight stacked [nh*d + 2*nkv*d, H]
    float[]? QkvBias,                 // self_attn.{q,k,v}_proj.bias concatenated [nh*d + 2*nkv*d] (QkvBias)
    float[]? QNorm,                   // self_attn.q_norm.weight [d] (QkNorm)
    float[]? KNorm,                   // self_attn.k_norm.weight [d] (QkNorm)
    WeightMatrix OProj,               // self_attn.o_proj.weight [H, nh*d]
    float[] PostAttentionLayerNorm,   // post_attention_layernorm.weight [H]
    WeightMatrix? GateUpProj,         // mlp.{gate,up}_proj.weight stacked [2*I, H]; null in a sparse layer
    WeightMatrix? DownProj,           // mlp.down_proj.weight [H, I]; null in a sparse layer
    ExpertWeights? Experts = null);   // a sparse layer's router and experts (DecoderSpec.IsSparse), else null
