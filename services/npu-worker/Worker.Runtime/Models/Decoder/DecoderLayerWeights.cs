using Worker.Runtime.Ops;

namespace Worker.Runtime.Models.Decoder;

/// <summary>One decoder layer (d = head_dim, nh heads, nkv KV heads, H hidden, I intermediate); optional tensors are null when the architecture has none.</summary>
public sealed record DecoderLayerWeights(
    float[] InputLayerNorm,           // input_layernorm.weight [H]
    WeightMatrix QProj,               // self_attn.q_proj.weight [nh*d, H]
    float[]? QBias,                   // self_attn.q_proj.bias [nh*d] (QkvBias)
    WeightMatrix KProj,               // self_attn.k_proj.weight [nkv*d, H]
    float[]? KBias,                   // self_attn.k_proj.bias [nkv*d] (QkvBias)
    WeightMatrix VProj,               // self_attn.v_proj.weight [nkv*d, H]
    float[]? VBias,                   // self_attn.v_proj.bias [nkv*d] (QkvBias)
    float[]? QNorm,                   // self_attn.q_norm.weight [d] (QkNorm)
    float[]? KNorm,                   // self_attn.k_norm.weight [d] (QkNorm)
    WeightMatrix OProj,               // self_attn.o_proj.weight [H, nh*d]
    float[] PostAttentionLayerNorm,   // post_attention_layernorm.weight [H]
    WeightMatrix GateProj,            // mlp.gate_proj.weight [I, H]
    WeightMatrix UpProj,              // mlp.up_proj.weight [I, H]
    WeightMatrix DownProj);           // mlp.down_proj.weight [H, I]
