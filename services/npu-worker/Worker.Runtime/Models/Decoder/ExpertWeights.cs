using Worker.Runtime.Ops;

namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// A sparse layer's mixture of experts (<see cref="MixtureOfExperts"/>): the router in fp32, as llama.cpp also keeps
/// it unquantized (a choice of expert should not flip with the weight format), and each expert's projections held as
/// the dense MLP's are (gate and up stacked, so one matmul).
/// </summary>
public sealed record ExpertWeights(
    float[] Router,                          // mlp.gate.weight [E, H]
    IReadOnlyList<WeightMatrix> GateUpProj,  // mlp.experts.{e}.{gate,up}_proj.weight stacked [2*Ie, H], one per expert
    IReadOnlyList<WeightMatrix> DownProj,    // mlp.experts.{e}.down_proj.weight [H, Ie], one per expert
    WeightMatrix? SharedGateUpProj,          // mlp.shared_expert.{gate,up}_proj.weight stacked [2*Is, H] (Qwen2-MoE), else null
    WeightMatrix? SharedDownProj,            // mlp.shared_expert.down_proj.weight [H, Is]
    float[]? SharedExpertGate);              // mlp.shared_expert_gate.weight [1, H]
