namespace Inference.Cli.Simulation;

/// <summary>
/// Latencies in buckets that grow by 1% from 1 µs to about two weeks: constant memory however many samples (a
/// 100k-request run has millions of inter-token gaps), and a percentile within 0.5% of the exact one.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double SmallestSeconds = 1e-6;
    private const double Growth = 1.01;
    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _counts = new long[2800];

    public long Count { get; private set; }

    public void Add(double seconds)
    {
        var index = seconds <= SmallestSeconds ? 0 : (int)(Math.Log(seconds / SmallestSeconds) / LogGrowth);
        _counts[Math.Min(index, _counts.Length - 1)]++;
        Count++;
    }

    /// <summary>The latency below which a share <paramref name="quantile"/> of the samples fall (the middle of its
    /// bucket); 0 without samples.</summary>
    public double Percentile(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return SmallestSeconds * Math.Pow(Growth, i + 0.5);
            }
        }

        return SmallestSeconds * Math.Pow(Growth, _counts.Length);
    }
}
