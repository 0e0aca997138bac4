namespace Inference.Cli.Benchmarks;

/// <summary>The machine as one run measured it: CPU model, threads used, read bandwidth and fp32 FMA peak.</summary>
public sealed record MachineLimits(string Cpu, string CpuFlags, int Threads, double ReadBytesPerSecond, long BandwidthBufferBytes, FmaPeak Fma)
{
    public static MachineLimits Measure(int threads) =>
        new(CpuDescription.Model(), CpuDescription.Flags(), threads,
            MemoryBandwidthProbe.Measure(MemoryBandwidthProbe.DefaultBufferBytes(), threads), MemoryBandwidthProbe.DefaultBufferBytes(),
            FmaPeakProbe.Measure(threads));

    /// <summary>The higher of two measurements of each limit: on a shared machine the less disturbed one is nearer the truth.</summary>
    public static MachineLimits Best(MachineLimits a, MachineLimits b) => a with
    {
        ReadBytesPerSecond = Math.Max(a.ReadBytesPerSecond, b.ReadBytesPerSecond),
        Fma = a.Fma.FlopsPerSecond >= b.Fma.FlopsPerSecond ? a.Fma : b.Fma,
    };
}
