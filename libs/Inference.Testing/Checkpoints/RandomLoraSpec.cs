using Worker.Runtime.Checkpoints;

namespace Inference.Testing.Checkpoints;

/// <summary>Rank, scale, targets, dtype and seed of a deterministic random PEFT LoRA adapter (<see cref="RandomLoraWriter"/>).</summary>
/// <param name="Rank">r.</param>
/// <param name="Alpha">lora_alpha.</param>
/// <param name="TargetModules">Module names written as target_modules (a list); null writes "all-linear" (all seven projections).</param>
/// <param name="UseRsLora">use_rslora: the scale is alpha / sqrt(r) instead of alpha / r.</param>
/// <param name="DType">F32, BF16 (default) or F16 tensors.</param>
/// <param name="Seed">XORed into every tensor's name hash, as for a random model.</param>
/// <param name="Strength">
/// About how large each delta element scale * (B A x) is for a unit-RMS input x. 0.15 is roughly a quarter of the
/// tiny and small presets' W x, so the adapter changes greedy outputs while the model stays numerically tame.
/// </param>
public sealed record RandomLoraSpec(
    int Rank = 8,
    double Alpha = 16,
    IReadOnlyList<string>? TargetModules = null,
    bool UseRsLora = false,
    TensorDType DType = TensorDType.BF16,
    ulong Seed = 0,
    double Strength = 0.15)
{
    public const string AllLinear = "all-linear";

    /// <summary>The factor of B A, as PEFT computes it.</summary>
    public double Scale => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        Require(Rank > 0, $"Rank must be > 0, got {Rank}");
        Require(double.IsFinite(Alpha) && Alpha != 0, $"Alpha must be finite and non-zero, got {Alpha}");
        Require(TargetModules is null || TargetModules.Count > 0, "TargetModules must name at least one module (or be null for all-linear)");
        Require(DType is TensorDType.F32 or TensorDType.BF16 or TensorDType.F16, $"DType must be F32, BF16 or F16, got {DType}");
        Require(double.IsFinite(Strength) && Strength >= 0, $"Strength must be a finite value >= 0, got {Strength}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
