namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// A sparse mixture-of-experts MLP in place of the dense one, as Qwen3-MoE and Qwen2-MoE have it: a router
/// (mlp.gate, [E, H]) scores every expert for each token; the token runs through its <paramref name="ExpertsPerToken"/>
/// most probable experts (each a SwiGLU MLP of width <paramref name="ExpertIntermediate"/>), and their outputs are
/// summed weighted by the softmax probabilities (renormalized over the chosen ones with <paramref name="NormTopKProb"/>).
/// Qwen2-MoE adds a shared expert every token runs, scaled by sigmoid(shared_expert_gate(x)).
/// </summary>
/// <param name="Experts">E, num_experts.</param>
/// <param name="ExpertsPerToken">k, num_experts_per_tok.</param>
/// <param name="ExpertIntermediate">moe_intermediate_size.</param>
/// <param name="NormTopKProb">norm_topk_prob: the k chosen probabilities are divided by their sum.</param>
/// <param name="SparseStep">decoder_sparse_step: layer l is sparse when (l + 1) is a multiple of it.</param>
/// <param name="DenseLayers">mlp_only_layers: layers that keep the dense MLP (of intermediate_size) whatever the step says.</param>
/// <param name="SharedExpertIntermediate">shared_expert_intermediate_size; 0: no shared expert (Qwen3-MoE).</param>
public sealed record MixtureOfExperts(
    int Experts,
    int ExpertsPerToken,
    int ExpertIntermediate,
    bool NormTopKProb,
    int SparseStep,
    IReadOnlyList<int> DenseLayers,
    int SharedExpertIntermediate = 0)
{
    /// <summary>Whether layer <paramref name="layer"/> (0-based) has the experts rather than the dense MLP, as transformers decides it.</summary>
    public bool IsSparse(int layer) => !DenseLayers.Contains(layer) && (layer + 1) % SparseStep == 0;
}
