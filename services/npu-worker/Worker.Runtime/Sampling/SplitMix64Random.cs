namespace Worker.Runtime.Sampling;

/// <summary>
/// A small seeded generator (SplitMix64) whose sequence is fixed by its 64-bit seed on every platform and
/// .NET version, unlike System.Random; a request's seed therefore reproduces its samples.
/// </summary>
public sealed class SplitMix64Random(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
