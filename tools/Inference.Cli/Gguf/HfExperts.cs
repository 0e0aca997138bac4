using System.Text.Json;

namespace Inference.Cli.Gguf;

/// <summary>
/// A mixture of experts' config.json fields (Qwen3MoeConfig, Qwen2MoeConfig) that its GGUF file carries, or that the
/// converter must check because llama.cpp fixes them (which layers are sparse, whether the chosen probabilities are
/// renormalized).
/// </summary>
public sealed record HfExperts(
    int NumExperts,
    int NumExpertsPerTok,
    int MoeIntermediateSize,
    int? SharedExpertIntermediateSize,
    bool NormTopKProb,
    int DecoderSparseStep,
    int MlpOnlyLayerCount)
{
    /// <summary>The fields when config.json has num_experts; null for a dense model.</summary>
    /// <exception cref="InvalidDataException">num_experts_per_tok or moe_intermediate_size is missing.</exception>
    public static HfExperts? Read(JsonElement root)
    {
        if (HfModelConfig.OptionalInt(root, "num_experts") is not { } experts)
        {
            return null;
        }

        return new HfExperts(
            experts,
            HfModelConfig.OptionalInt(root, "num_experts_per_tok") ?? throw new InvalidDataException("missing required field 'num_experts_per_tok'"),
            HfModelConfig.OptionalInt(root, "moe_intermediate_size") ?? throw new InvalidDataException("missing required field 'moe_intermediate_size'"),
            HfModelConfig.OptionalInt(root, "shared_expert_intermediate_size"),
            root.TryGetProperty("norm_topk_prob", out var norm) && norm.ValueKind == JsonValueKind.True,
            HfModelConfig.OptionalInt(root, "decoder_sparse_step") ?? 1,
            root.TryGetProperty("mlp_only_layers", out var only) && only.ValueKind == JsonValueKind.Array ? only.GetArrayLength() : 0);
    }
}
