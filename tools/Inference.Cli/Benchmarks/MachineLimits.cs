namespace Inference.Cli.Benchmarks;

/// <summary>The machine as one run measured it: CPU model, threads used, read bandwidth and fp32 FMA peak.</summary>
public sealed record MachineLimits(string Cpu, string CpuFlags, int Threads, ReadBandwidth Bandwidth, FmaPeak Fma)
{
    public double ReadBytesPerSecond => Bandwidth.BytesPerSecond;

    /// <summary>Two bandwidth windows of <paramref name="probe"/> and the FMA peak.</summary>
    public static MachineLimits Measure(int threads, MemoryBandwidthProbe probe) =>
        new(CpuDescription.Model(), CpuDescription.Flags(), threads,
            MemoryBandwidthProbe.Best(probe.MeasureWindow(), probe.MeasureWindow()),
            FmaPeakProbe.Measure(threads));

    /// <summary>The higher of two measurements of each limit: on a shared machine the less disturbed one is nearer the truth.</summary>
    public static MachineLimits Best(MachineLimits a, MachineLimits b) => a with
    {
        Bandwidth = MemoryBandwidthProbe.Best(a.Bandwidth, b.Bandwidth),
        Fma = a.Fma.FlopsPerSecond >= b.Fma.FlopsPerSecond ? a.Fma : b.Fma,
    };

    /// <summary>These limits with a bandwidth measured beside them, if it was higher.</summary>
    public MachineLimits WithBandwidth(ReadBandwidth measured) => this with { Bandwidth = MemoryBandwidthProbe.Best(Bandwidth, measured) };
}
