namespace Inference.Cli.Benchmarks;

/// <summary>
/// The timings of one benchmark round: B sequences prefilled together in one step, then decoded greedily one token
/// per sequence per step.
/// </summary>
/// <param name="DecodeSampleSeconds">The part of the decode steps the engine spent choosing tokens, where it reports it (0 otherwise).</param>
public readonly record struct RoundTimes(double PrefillSeconds, double DecodeSeconds, double DecodeSampleSeconds)
{
    /// <summary>On a shared machine the fastest round is the least disturbed one: the faster prefill and the faster decode of two rounds.</summary>
    public static RoundTimes Fastest(RoundTimes a, RoundTimes b) => new(
        Math.Min(a.PrefillSeconds, b.PrefillSeconds),
        Math.Min(a.DecodeSeconds, b.DecodeSeconds),
        a.DecodeSeconds <= b.DecodeSeconds ? a.DecodeSampleSeconds : b.DecodeSampleSeconds);
}
