using System.Globalization;

namespace Inference.Cli.Benchmarks;

/// <summary>
/// The table `bench` prints: one row per engine and format, each figure beside its fraction of the machine's limit
/// (prefill and 16-sequence decode against the fp32 FMA peak, 1-sequence decode against the read bandwidth), then ours
/// over llama.cpp.
/// </summary>
public static class BenchReport
{
    public static string Format(MachineLimits machine, BenchShape shape, IReadOnlyList<BenchResult> results)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"cpu        {machine.Cpu} ({machine.CpuFlags}); {machine.Threads} threads");
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"limits     read bandwidth {machine.ReadBytesPerSecond / 1e9:F1} GB/s ({machine.Bandwidth.BufferBytes >> 20} MiB buffer, {(machine.Bandwidth.HugePages ? "2 MiB" : "4 KiB")} pages, {machine.Bandwidth.StreamsPerThread} stream{(machine.Bandwidth.StreamsPerThread == 1 ? "" : "s")} per thread{(machine.Bandwidth.Prefetched ? ", prefetched" : "")}); fp32 FMA peak {machine.Fma.FlopsPerSecond / 1e9:F0} GFLOP/s (Vector256 {machine.Fma.Vector256FlopsPerSecond / 1e9:F0}{(machine.Fma.Vector512FlopsPerSecond is { } v512 ? $", Vector512 {v512 / 1e9:F0}" : "")})"));
        w.WriteLine($"run        {shape.PromptTokens}-token prompts, {shape.DecodeSteps} decode steps, {shape.ConcurrentSequences} concurrent sequences, fastest of {shape.Repeat} round(s)");
        foreach (var group in results.GroupBy(r => r.Engine))
        {
            w.WriteLine($"isa        {group.Key}: {group.First().InstructionSets}");
        }

        w.WriteLine();
        w.WriteLine($"{"engine",-10} {"format",-6} {"prefill tok/s",13} {"% fp32 peak",11} {"decode1 tok/s",13} {"GB/s",6} {"% bw",5} {"% beside",8} {"decode16 tok/s",14} {"% fp32 peak",11} {"e2e16 tok/s",11}");
        foreach (var r in results)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Engine,-10} {r.Format,-6} {r.PrefillTps,13:F1} {Percent(r.PrefillPeakFraction),11} {r.Decode1Tps,13:F1} {r.Decode1GigabytesPerSecond,6:F1} {Percent(r.Decode1BandwidthFraction),5} {(r.Decode1BesideFraction is { } b ? Percent(b) : "-"),8} {r.Decode16Tps,14:F1} {Percent(r.Decode16PeakFraction),11} {(r.E2e16Tps is { } e ? e.ToString("F1", CultureInfo.InvariantCulture) : "-"),11}"));
        }

        if (results.Any(r => r.Decode1BesideFraction is not null))
        {
            w.WriteLine("% bw: decode1's bytes of weights per second against the best bandwidth window of the run; % beside: against the better of the windows just before and after its round");
        }

        foreach (var ours in results.Where(r => r.Engine == "ours"))
        {
            foreach (var peer in results.Where(r => r.Engine != "ours"))
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ours {ours.Format} / {peer.Engine} {peer.Format}: prefill {ours.PrefillTps / peer.PrefillTps:F2}x, decode1 {ours.Decode1Tps / peer.Decode1Tps:F2}x, decode16 {ours.Decode16Tps / peer.Decode16Tps:F2}x"));
            }

            if (ours.E2e16Tps is { } e2e)
            {
                double inProcess = ours.E2e16InProcessTps ?? ours.Decode16Tps;
                w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ours {ours.Format} end to end: {Percent(e2e / inProcess)} of its in-process 16-sequence decode in the rounds between ({inProcess:F1} tok/s)"));
            }
        }

        return w.ToString();
    }

    private static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:F0}%");
}
