using Worker.Runtime.Models.Decoder;

namespace Inference.Testing.Checkpoints;

/// <summary>
/// make-model's mixture-of-experts options (--num-experts, --num-experts-per-tok, --moe-intermediate-size,
/// --shared-expert-intermediate-size, --decoder-sparse-step, --mlp-only-layers); null: the family's default
/// (<see cref="RandomModelSpec.DefaultExperts"/>).
/// </summary>
public sealed record ExpertOptions(
    int? Experts = null,
    int? ExpertsPerToken = null,
    int? ExpertIntermediate = null,
    int? SharedExpertIntermediate = null,
    int? SparseStep = null,
    IReadOnlyList<int>? DenseLayers = null)
{
    public bool Any => this != new ExpertOptions();

    /// <summary>The family's default experts for <paramref name="spec"/>'s sizes, with these options over them.</summary>
    /// <exception cref="ArgumentException">Options for a dense family, a shared expert for one without, or more experts per token than experts.</exception>
    public MixtureOfExperts? Apply(RandomModelSpec spec)
    {
        var defaults = RandomModelSpec.DefaultExperts(spec.Family, spec.IntermediateSize);
        if (defaults is null)
        {
            return Any
                ? throw new ArgumentException($"--num-experts, --num-experts-per-tok, --moe-intermediate-size, --shared-expert-intermediate-size, --decoder-sparse-step and --mlp-only-layers shape a mixture of experts: use --arch qwen3_moe or qwen2_moe (not {spec.Traits.Name})")
                : null;
        }

        if (SharedExpertIntermediate is not null && defaults.SharedExpertIntermediate == 0)
        {
            throw new ArgumentException($"--shared-expert-intermediate-size: {spec.Traits.Name} has no shared expert (qwen2_moe has)");
        }

        var moe = defaults with
        {
            Experts = Experts ?? defaults.Experts,
            ExpertsPerToken = ExpertsPerToken ?? defaults.ExpertsPerToken,
            ExpertIntermediate = ExpertIntermediate ?? defaults.ExpertIntermediate,
            SharedExpertIntermediate = SharedExpertIntermediate ?? defaults.SharedExpertIntermediate,
            SparseStep = SparseStep ?? defaults.SparseStep,
            DenseLayers = DenseLayers ?? defaults.DenseLayers,
        };
        return moe.ExpertsPerToken > moe.Experts
            ? throw new ArgumentException($"--num-experts-per-tok ({moe.ExpertsPerToken}) must not exceed --num-experts ({moe.Experts})")
            : moe;
    }
}
