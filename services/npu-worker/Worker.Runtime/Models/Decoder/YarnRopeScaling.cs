namespace Worker.Runtime.Models.Decoder;

/// <summary>
/// YaRN (Peng et al. 2023), as the Qwen2.5 model card enables it and transformers' `_compute_yarn_parameters`
/// computes it: frequencies that turn fewer than beta_slow times over the original context are interpolated
/// (divided by the factor), those turning more than beta_fast times are kept, with a linear ramp between; cos and
/// sin are scaled by mscale = 0.1 ln(factor) + 1. The served context is original × factor (as vLLM derives it).
/// </summary>
public sealed record YarnRopeScaling(
    double Factor, int OriginalMaxPositionEmbeddings, double BetaFast, double BetaSlow, double? ExplicitAttentionFactor, double Theta, int HeadDim)
    : RopeScaling
{
    public override string TypeName => "yarn";

    public override float AttentionFactor => (float)(ExplicitAttentionFactor ?? (Factor <= 1 ? 1.0 : 0.1 * Math.Log(Factor) + 1.0));

    public override int ContextLength(int maxPositionEmbeddings) => (int)Math.Min(int.MaxValue, OriginalMaxPositionEmbeddings * Factor);

    public override void Apply(ReadOnlySpan<float> powers, Span<float> inverseFrequencies)
    {
        // The dimension range [low, high] whose rotations over the original context fall between the betas.
        double low = Math.Max(Math.Floor(CorrectionDimension(BetaFast)), 0);
        double high = Math.Min(Math.Ceiling(CorrectionDimension(BetaSlow)), HeadDim - 1);
        if (low == high)
        {
            high += 0.001; // no zero-width ramp
        }

        float factor = (float)Factor;
        for (int i = 0; i < inverseFrequencies.Length; i++)
        {
            // fp32 steps in the order transformers takes them, so the tables match its bits where they can.
            float ramp = Math.Clamp((i - (float)low) / (float)(high - low), 0f, 1f);
            float keep = 1f - ramp;
            float extrapolation = inverseFrequencies[i];
            float interpolation = 1f / (factor * powers[i]);
            inverseFrequencies[i] = interpolation * (1f - keep) + extrapolation * keep;
        }
    }

    /// <summary>The dimension whose wavelength fits `rotations` times into the original context.</summary>
    private double CorrectionDimension(double rotations) =>
        HeadDim * Math.Log(OriginalMaxPositionEmbeddings / (rotations * 2 * Math.PI)) / (2 * Math.Log(Theta));
}
